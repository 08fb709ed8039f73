/* Kernel error numbers. Functions that can fail return 0 (or a count) on
 * success and a negated code from this list. The values follow Linux so a
 * number in a log means what a reader expects. */
#ifndef AUTON_KERRNO_H
#define AUTON_KERRNO_H

#define ENOENT 2      /* no such object */
#define EIO 5         /* the device reported an error */
#define ENXIO 6       /* no such device at that address */
#define EAGAIN 11     /* would block (non-blocking call) */
#define ENOMEM 12     /* out of memory */
#define EFAULT 14     /* memory corrupted (red zone, poison) */
#define EBUSY 16      /* in use */
#define ENODEV 19     /* no device, or not one this driver handles */
#define EINVAL 22     /* bad argument, or not an object of this allocator */
#define ENOSPC 28     /* no room left (address window, table) */
#define EROFS 30      /* the device is read-only */
#define ERANGE 34     /* address outside what the allocator manages */
#define EDEADLK 35    /* the call would wait for itself */
#define EMSGSIZE 90   /* message too long for the channel or the buffer */
#define ENOTSUP 95    /* the platform or device does not support this */
#define ETIMEDOUT 110 /* the timeout passed */
#define EALREADY 114  /* already freed (double free) */

#endif
