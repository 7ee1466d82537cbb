import type { CheckedFlags, CheckedName, MsgFlagName, SockTypeName, SockFlagName, DomainName, LevelName } from "../socket/names.js";
import type { CheckedOptionName, OptionSetValue, OptionGetValue } from "../socket/options.js";
declare function send<const F extends number | string | readonly (string | number)[] = 0>(fd: number, flags?: CheckedFlags<F, MsgFlagName>): void;
declare function sock<const D extends string | number, const T extends number | string | readonly string[]>(d: CheckedName<D, DomainName>, t: CheckedFlags<T, SockTypeName | SockFlagName>): void;
declare function sso<const L extends string | number, const N extends string | number>(l: CheckedName<L, LevelName>, n: CheckedOptionName<L, N>, v: OptionSetValue<N>): void;
declare function gso<const L extends string | number, const N extends string | number>(l: CheckedName<L, LevelName>, n: CheckedOptionName<L, N>): OptionGetValue<N>;
send(1);
send(1, 0);
send(1, "MSG_PEEK");
send(1, "MSG_PEEK|MSG_DONTWAIT");
send(1, "MSG_PEEK | MSG_DONTWAIT|MSG_WAITALL");
send(1, ["MSG_PEEK", "MSG_DONTWAIT"]);
const s: string = "x";
send(1, s);
const arr: ("MSG_PEEK" | number)[] = [];
send(1, arr);
// @ts-expect-error typo
send(1, "MSG_DONTWAT");
// @ts-expect-error typo in combo
send(1, "MSG_PEEK|MSG_DONTWAT");
// @ts-expect-error typo in list
send(1, ["MSG_PEEK", "MSG_DONTWAT"]);
sock("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
sock(2, 1);
// @ts-expect-error typo
sock("AF_INTE", "SOCK_STREAM");
// @ts-expect-error typo
sock("AF_INET", "SOCK_STRAEM");
sso("SOL_SOCKET", "SO_REUSEADDR", 1);
sso("SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
sso(1, 2, 1);
sso(s, s, 1);
// @ts-expect-error typo
sso("SOL_SOCKET", "SO_REUSEADR", 1);
// @ts-expect-error wrong level
sso("IPPROTO_TCP", "SO_REUSEADDR", 1);
// @ts-expect-error wrong value
sso("SOL_SOCKET", "SO_LINGER", 1);
// @ts-expect-error read-only
sso("SOL_SOCKET", "SO_ERROR", 1);
const l = gso("SOL_SOCKET", "SO_LINGER");
const n: number = l.l_linger;
const i = gso("IPPROTO_TCP", "TCP_INFO");
void i.tcpi_state;
void n;
