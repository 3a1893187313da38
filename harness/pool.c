// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c - pooling the events of a case's VMs by name (see pool.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

void pool_init(struct pool *p)
{
	memset(p, 0, sizeof(*p));
}

void pool_free(struct pool *p)
{
	int i;

	for (i = 0; i < p->nr_metrics; i++) {
		free(p->metrics[i].v);
		free(p->metrics[i].vm);
		free(p->metrics[i].vcpu);
	}
	free(p->metrics);
	free(p->checks);
	free(p->skips);
	pool_init(p);
}

/*
 * pool_slot - the entry named @name in the array at *@arr of *@nr entries
 * of @size bytes whose first member is the name; a new zeroed one if none.
 */
static void *pool_slot(void **arr, int *nr, size_t size, const char *name, bool *oom)
{
	char *a = *arr;
	int i;

	for (i = 0; i < *nr; i++)
		if (!strcmp(a + i * size, name))
			return a + i * size;
	a = realloc(a, (*nr + 1) * size);
	if (!a) {
		*oom = true;
		return NULL;
	}
	*arr = a;
	memset(a + *nr * size, 0, size);
	snprintf(a + *nr * size, 64, "%s", name);
	return a + (*nr)++ * size;
}

static bool metric_grow(struct pool_metric *m, int more)
{
	int cap = m->cap ? m->cap : 16;
	double *v;
	int *vm, *vcpu;

	while (cap < m->n + more)
		cap *= 2;
	if (cap == m->cap)
		return true;
	v = realloc(m->v, cap * sizeof(*v));
	if (v)
		m->v = v;
	vm = realloc(m->vm, cap * sizeof(*vm));
	if (vm)
		m->vm = vm;
	vcpu = realloc(m->vcpu, cap * sizeof(*vcpu));
	if (vcpu)
		m->vcpu = vcpu;
	if (!v || !vm || !vcpu)
		return false;
	m->cap = cap;
	return true;
}

void pool_metric(struct pool *p, int vm, int vcpu, const char *name, const char *unit,
		 uint64_t iters, const double *per_op, uint64_t count)
{
	struct pool_metric *m = pool_slot((void **)&p->metrics, &p->nr_metrics,
					  sizeof(*m), name, &p->oom);
	uint64_t i;

	if (!m)
		return;
	if (!m->n) {
		snprintf(m->unit, sizeof(m->unit), "%s", unit);
		m->iters_min = m->iters_max = iters;
	}
	if (strcmp(m->unit, unit) || !metric_grow(m, count)) {
		p->oom = true;	/* mixed units cannot be pooled: counted as lost */
		return;
	}
	m->iters_min = iters < m->iters_min ? iters : m->iters_min;
	m->iters_max = iters > m->iters_max ? iters : m->iters_max;
	for (i = 0; i < count; i++, m->n++) {
		m->v[m->n] = per_op[i];
		m->vm[m->n] = vm;
		m->vcpu[m->n] = vcpu;
	}
}

void pool_check(struct pool *p, int vm, int vcpu, const char *name, bool ok,
		const char *detail)
{
	struct pool_check *c = pool_slot((void **)&p->checks, &p->nr_checks, sizeof(*c),
					 name, &p->oom);

	if (!c)
		return;
	if (!ok && !c->fail++) {
		c->vm = vm;
		c->vcpu = vcpu;
		snprintf(c->detail, sizeof(c->detail), "%s", detail);
	} else if (ok && !c->pass++ && !c->fail) {
		snprintf(c->detail, sizeof(c->detail), "%s", detail);
	}
}

void pool_skip(struct pool *p, const char *name, const char *reason)
{
	struct pool_skip *s = pool_slot((void **)&p->skips, &p->nr_skips, sizeof(*s), name,
					&p->oom);

	if (s && !s->n++)
		snprintf(s->reason, sizeof(s->reason), "%s", reason);
}
