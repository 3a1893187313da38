// SPDX-License-Identifier: GPL-2.0
/*
 * abi.c - the guest side of kb_abi.h: fill this vCPU's call block and hand
 * its address to the host with one outl.
 */
#include "kb.h"

static struct kb_call *call_begin(uint32_t op, const char *name)
{
	struct kb_call *c = &kb_this_cpu()->call;

	memset(c, 0, sizeof(*c) - sizeof(c->regs));
	c->op = op;
	c->size = sizeof(*c);
	if (name)
		kb_snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

static long call_end(struct kb_call *c)
{
	kb_outl(KB_PORT_CALL, (uint32_t)(uint64_t)c);
	return c->ret;
}

void kb_log(const char *fmt, ...)
{
	struct kb_call *c = call_begin(KB_OP_LOG, 0);
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	kb_vsnprintf(c->text, sizeof(c->text), fmt, ap);
	__builtin_va_end(ap);
	call_end(c);
}

int kb_check(const char *name, int ok, const char *fmt, ...)
{
	struct kb_call *c = call_begin(KB_OP_CHECK, name);
	__builtin_va_list ap;

	c->arg = !!ok;
	__builtin_va_start(ap, fmt);
	kb_vsnprintf(c->text, sizeof(c->text), fmt, ap);
	__builtin_va_end(ap);
	call_end(c);
	return ok;
}

void kb_skip(const char *name, const char *fmt, ...)
{
	struct kb_call *c = call_begin(KB_OP_SKIP, name);
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	kb_vsnprintf(c->text, sizeof(c->text), fmt, ap);
	__builtin_va_end(ap);
	call_end(c);
}

void kb_observe(const char *name, long seen, const char *word, const char *fmt, ...)
{
	struct kb_call *c = call_begin(KB_OP_OBSERVE, name);
	__builtin_va_list ap;

	c->arg = seen;
	kb_snprintf(c->unit, sizeof(c->unit), "%s", word ? word : "");
	__builtin_va_start(ap, fmt);
	kb_vsnprintf(c->text, sizeof(c->text), fmt, ap);
	__builtin_va_end(ap);
	call_end(c);
}

void kb_metric(const char *name, const char *unit, uint64_t iters,
	       const uint64_t *samples, uint64_t count)
{
	struct kb_call *c = call_begin(KB_OP_METRIC, name);

	kb_snprintf(c->unit, sizeof(c->unit), "%s", unit);
	c->iters = iters;
	c->count = count;
	c->data = (uint64_t)samples;
	call_end(c);
}

void kb_done(long status)
{
	struct kb_call *c = call_begin(KB_OP_DONE, 0);

	c->arg = status;
	call_end(c);
	for (;;)	/* the host stops this vCPU at the call */
		asm volatile("pause");
}

uint64_t kb_eventfd_count(void)
{
	return call_end(call_begin(KB_OP_EVENTFD_COUNT, 0));
}

void kb_mark(int start)
{
	struct kb_call *c = call_begin(KB_OP_MARK, 0);

	c->arg = start;
	call_end(c);
}

long kb_balloon(uint64_t gpa, uint64_t len)
{
	struct kb_call *c = call_begin(KB_OP_BALLOON, 0);

	c->data = gpa;
	c->count = len;
	return call_end(c);
}

int64_t kb_sync(const char *name, int64_t arg)
{
	struct kb_call *c = call_begin(KB_OP_SYNC, name);

	c->arg = arg;
	return call_end(c);
}

static const struct kb_param *param_find(const char *name)
{
	uint32_t i;

	for (i = 0; i < kb_bi->nr_params && i < KB_MAX_PARAMS; i++)
		if (!strcmp(kb_bi->params[i].name, name))
			return &kb_bi->params[i];
	return 0;
}

int64_t kb_param_int(const char *name, int64_t def)
{
	const struct kb_param *p = param_find(name);

	return p && !p->is_string ? p->ival : def;
}

const char *kb_param_str(const char *name, const char *def)
{
	const struct kb_param *p = param_find(name);

	return p && p->is_string ? p->sval : def;
}
