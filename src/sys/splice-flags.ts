/** splice(2) flags (<fcntl.h>), apart from sys/splice.ts so that the name tables need not import the socket layer. */
export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const SPLICE_F_MORE = 4;
export const SPLICE_F_GIFT = 8;
/** Every flag splice accepts (others: EINVAL). */
export const SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;
