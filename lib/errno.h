/* SPDX-License-Identifier: MIT */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

/* Functions that can fail return one of these, negated. */
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define ENOENT 2
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENODATA 61
#define ETIMEDOUT 110

#endif
