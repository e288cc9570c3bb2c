/* SPDX-License-Identifier: MIT */
/* Hypercalls: the ABI in include/hv/hypercall.h. */
#include "arch/tsc.h"
#include "arch/x86.h"
#include "guests/vm.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "sched/sched.h"
#include "vmx/exit.h"

#define CONSOLE_MAX 4096

static long hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	const char *p;

	if (len > CONSOLE_MAX)
		len = CONSOLE_MAX;
	p = gpa_to_hva(&v->vm->mem, gpa, len);
	if (!p)
		return -HV_EFAULT;
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(v->vm, p[i]);
	return (long)len;
}

static long hc_exit_stats(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	if (len > sizeof(v->stats))
		len = sizeof(v->stats);
	return gpa_write(&v->vm->mem, gpa, &v->stats, len) ? -HV_EFAULT :
							     (long)len;
}

static long hc_timer(struct vcpu *v, uint64_t us, uint64_t vector)
{
	if (vector != HV_TIMER_NMI && (vector < 32 || vector > 255))
		return -HV_EINVAL;
	v->timer_vector = (uint32_t)vector;
	v->timer_deadline = rdtsc() + us * tsc_khz / 1000 + 1;
	sched_timers_changed(v);
	return 0;
}

static long hc_sched_stats(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	struct hv_sched_stats s;
	struct cpu *c = this_cpu();

	spin_lock(&c->rq_lock); /* v runs here: its home queue is ours */
	c->rq.policy->update_curr(&c->rq, sched_clock());
	s = (struct hv_sched_stats){ v->se.sum_exec, v->se.sum_wait,
				     v->se.switches };
	spin_unlock(&c->rq_lock);
	if (len > sizeof(s))
		len = sizeof(s);
	return gpa_write(&v->vm->mem, gpa, &s, len) ? -HV_EFAULT : (long)len;
}

void exit_vmcall(struct vcpu *v, struct guest_regs *r)
{
	uint64_t a0 = r->gpr[REG_RBX], a1 = r->gpr[REG_RCX];
	long ret;

	if ((vmread(GUEST_SS_AR) >> 5) & 3) { /* only the guest kernel */
		inject_ud(v);
		return;
	}
	switch (r->gpr[REG_RAX]) {
	case HV_HC_CONSOLE_WRITE:
		ret = hc_console_write(v, a0, a1);
		break;
	case HV_HC_YIELD:
		sched_yield();
		ret = 0;
		break;
	case HV_HC_EXIT:
		vm_stop(v->vm, (int)a0, "exit hypercall");
		return;
	case HV_HC_EXIT_STATS:
		ret = hc_exit_stats(v, a0, a1);
		break;
	case HV_HC_TIMER:
		ret = hc_timer(v, a0, a1);
		break;
	case HV_HC_SCHED_STATS:
		ret = hc_sched_stats(v, a0, a1);
		break;
	case HV_HC_TEST_BREAK_ENTRY:
		if (!hv_options.testhooks) {
			ret = -HV_ENOSYS;
			break;
		}
		skip_instruction();
		vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) & ~2ull);
		return;
	default:
		ret = -HV_ENOSYS;
	}
	r->gpr[REG_RAX] = (uint64_t)ret;
	skip_instruction();
}
