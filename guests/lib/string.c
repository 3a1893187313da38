// SPDX-License-Identifier: GPL-2.0
/* string.c - the few libc pieces a freestanding guest needs. */
#include "kb.h"

void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, unsigned long n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

unsigned long strlen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

struct out {
	char *buf;
	unsigned long len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* %s %c %d %i %u %x %p with l/ll/z, width and zero padding; enough for reports. */
int kb_vsnprintf(char *buf, unsigned long len, const char *fmt, __builtin_va_list ap)
{
	struct out o = { buf, len, 0 };

	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';
		const char *s;
		int64_t sv;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		switch (*fmt) {
		case 's':
			for (s = __builtin_va_arg(ap, const char *); s && *s; s++)
				put(&o, *s);
			break;
		case 'c':
			put(&o, (char)__builtin_va_arg(ap, int));
			break;
		case 'd': case 'i':
			sv = lng ? __builtin_va_arg(ap, int64_t) : __builtin_va_arg(ap, int);
			put_num(&o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, width, pad);
			break;
		case 'u':
			put_num(&o, lng ? __builtin_va_arg(ap, uint64_t) : __builtin_va_arg(ap, unsigned),
				10, 0, width, pad);
			break;
		case 'x': case 'p':
			put_num(&o, lng || *fmt == 'p' ? __builtin_va_arg(ap, uint64_t) :
				__builtin_va_arg(ap, unsigned), 16, 0, width, pad);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '?');
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return o.pos;
}

int kb_snprintf(char *buf, unsigned long len, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = kb_vsnprintf(buf, len, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
