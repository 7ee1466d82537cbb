/**
 * Service names of the well-known ports, as netbase's /etc/services lists
 * them (the IANA names): what `ss 'dport = :http'` and tcpdump's
 * `port http` resolve. sockstack reads no files, so the table is built in;
 * it holds the names below 1024 that carry TCP or UDP plus a few common
 * higher ones. Aliases (`www` for http) are included.
 *
 * @example servicePort("http") === 80; servicePort("nosuch") === undefined
 */
const SERVICES: Readonly<Record<string, number>> = {
  tcpmux: 1, echo: 7, discard: 9, sink: 9, null: 9, systat: 11, users: 11, daytime: 13, netstat: 15, qotd: 17, quote: 17,
  chargen: 19, ttytst: 19, source: 19, "ftp-data": 20, ftp: 21, fsp: 21, fspd: 21, ssh: 22, telnet: 23, smtp: 25, mail: 25,
  time: 37, timserver: 37, whois: 43, nicname: 43, tacacs: 49, domain: 53, bootps: 67, bootpc: 68, tftp: 69, gopher: 70,
  finger: 79, http: 80, www: 80, kerberos: 88, "kerberos5": 88, krb5: 88, "kerberos-sec": 88, "iso-tsap": 102, tsap: 102,
  "acr-nema": 104, dicom: 104, pop3: 110, "pop-3": 110, sunrpc: 111, portmapper: 111, auth: 113, authentication: 113,
  tap: 113, ident: 113, nntp: 119, readnews: 119, untp: 119, ntp: 123, epmap: 135, loc_srv: 135, "netbios-ns": 137,
  "netbios-dgm": 138, "netbios-ssn": 139, imap2: 143, imap: 143, snmp: 161, "snmp-trap": 162, snmptrap: 162,
  "cmip-man": 163, "cmip-agent": 164, mailq: 174, xdmcp: 177, bgp: 179, smux: 199, qmtp: 209, z3950: 210, wais: 210,
  ipx: 213, "ptp-event": 319, "ptp-general": 320, pawserv: 345, zserv: 346, rpc2portmap: 369, codaauth2: 370,
  clearcase: 371, ldap: 389, svrloc: 427, https: 443, snpp: 444, "microsoft-ds": 445, kpasswd: 464, submissions: 465,
  ssmtp: 465, smtps: 465, saft: 487, isakmp: 500, rtsp: 554, nqs: 607, "asf-rmcp": 623, qmqp: 628, ipp: 631, ldp: 646,
  exec: 512, biff: 512, comsat: 512, login: 513, who: 513, whod: 513, shell: 514, cmd: 514, syslog: 514, printer: 515,
  spooler: 515, talk: 517, ntalk: 518, route: 520, router: 520, routed: 520, gdomap: 538, uucp: 540, uucpd: 540,
  klogin: 543, kshell: 544, krcmd: 544, "dhcpv6-client": 546, "dhcpv6-server": 547, afpovertcp: 548, nntps: 563,
  snntp: 563, submission: 587, ldaps: 636, tinc: 655, silc: 706, "kerberos-adm": 749, "domain-s": 853, rsync: 873,
  "ftps-data": 989, ftps: 990, telnets: 992, imaps: 993, pop3s: 995, "pop-3s": 995,
  socks: 1080, openvpn: 1194, mysql: 3306, postgresql: 5432, postgres: 5432, x11: 6000, "http-alt": 8080, webcache: 8080,
};

/**
 * The port of a service name (case-insensitive, like getservbyname on a
 * glibc system), or undefined for a name the table does not hold.
 */
export function servicePort(name: string): number | undefined {
  return Object.hasOwn(SERVICES, name.toLowerCase()) ? SERVICES[name.toLowerCase()] : undefined;
}
