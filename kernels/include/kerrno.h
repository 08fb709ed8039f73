/* Kernel error numbers. Functions that can fail return 0 (or a count) on
 * success and a negated code from this list. The values follow Linux so a
 * number in a log means what a reader expects. */
#ifndef AUTON_KERRNO_H
#define AUTON_KERRNO_H

#define ENOENT 2      /* no such object */
#define EAGAIN 11     /* would block (non-blocking call) */
#define ENOMEM 12     /* out of memory */
#define EFAULT 14     /* memory corrupted (red zone, poison) */
#define EBUSY 16      /* in use */
#define EINVAL 22     /* bad argument, or not an object of this allocator */
#define ERANGE 34     /* address outside what the allocator manages */
#define EDEADLK 35    /* the call would wait for itself */
#define EMSGSIZE 90   /* message too long for the channel or the buffer */
#define ETIMEDOUT 110 /* the timeout passed */
#define EALREADY 114  /* already freed (double free) */

#endif
