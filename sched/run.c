/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU run loop (see sched/sched.h for the locking rules). Time for
 * the scheduler core is in ns of the host TSC; vCPU timers are in host TSC
 * ticks. A vCPU's VMCS is VMCLEARed whenever it leaves its CPU, so any CPU
 * may take a queued vCPU: migration needs no cooperation.
 */
#include "sched/sched.h"

#include "arch/lapic.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "guests/focus.h"
#include "guests/vapic.h"
#include "vmx/vmx.h"

#define vcpu_of(se) ((struct vcpu *)((char *)(se) - offsetof(struct vcpu, se)))

uint64_t sched_clock(void) { return tsc_ns(rdtsc()); }

void sched_init(const struct sched_policy *policy)
{
	for (unsigned i = 0; i < n_cpus; i++)
		runq_init(&cpus[i]->rq, (int)i, policy, 0);
}

/* The lock of v's home run queue (v->se.cpu may change until we hold
 * it). */
static struct cpu *lock_home(struct vcpu *v)
{
	for (;;) {
		int cpu = __atomic_load_n(&v->se.cpu, __ATOMIC_ACQUIRE);
		struct cpu *c = cpus[cpu];

		spin_lock(&c->rq_lock);
		if (v->se.cpu == cpu)
			return c;
		spin_unlock(&c->rq_lock);
	}
}

/* Where a waking vCPU should go: home if it is idle, else an idle CPU the
 * vCPU may use, else home. Racy by design: balancing corrects. */
static struct cpu *select_cpu(struct vcpu *v, struct cpu *home)
{
	uint64_t allowed = v->se.affinity;

	if (!home->rq.nr_running)
		return home;
	for (unsigned i = 0; i < n_cpus; i++)
		if ((allowed >> i & 1) && !cpus[i]->rq.nr_running)
			return cpus[i];
	return home;
}

/* v is runnable and on no queue, home is locked: queue it where it fits
 * best and tell that CPU. Releases home's lock. */
static void enqueue_and_unlock(struct vcpu *v, struct cpu *home, int flags)
{
	struct cpu *c = select_cpu(v, home);
	bool preempt;

	if (c != home) {
		v->se.cpu = (int)c->id; /* off any queue: ours to move */
		spin_unlock(&home->rq_lock);
		spin_lock(&c->rq_lock);
	}
	c->rq.policy->enqueue(&c->rq, &v->se, sched_clock(), flags);
	preempt = c->rq.policy->should_preempt(&c->rq, &v->se);
	spin_unlock(&c->rq_lock);
	/* Dekker with arm(): our nr_running++ before reading unbounded */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (preempt)
		cpu_kick(c, ATTN_RESCHED);
	else if (c->unbounded)
		cpu_kick(c, ATTN_REARM); /* its lone vCPU gets a slice end now */
}

void sched_add_vcpu(struct vcpu *v)
{
	struct cpu *best = 0;
	uint64_t allowed = v->se.affinity;

	for (unsigned i = 0; i < n_cpus; i++)
		if ((allowed >> i & 1) &&
		    (!best || cpus[i]->rq.load < best->rq.load))
			best = cpus[i];
	v->se.cpu = (int)best->id;
	if (v->state != VCPU_RUNNABLE)
		return; /* an AP: waits for its SIPI, homed on best */
	spin_lock(&best->rq_lock);
	enqueue_and_unlock(v, best, SCHED_NEW);
}

bool sched_halt(struct vcpu *v, bool interrupts_on)
{
	uint32_t wakers = EV_NMI | EV_INIT |
			  (interrupts_on ? EV_IRQ | EV_EXTINT : 0);
	struct cpu *c = lock_home(v);
	bool halted = !(v->ev.pending & wakers);

	if (halted)
		v->state = VCPU_HALTED;
	v->halt_irq = interrupts_on;
	spin_unlock(&c->rq_lock);
	return halted;
}

void sched_notify(struct vcpu *v)
{
	struct cpu *c, *on;

	if (v->state == VCPU_HALTED) {
		uint32_t wakers = EV_NMI | EV_INIT |
				  (v->halt_irq ? EV_IRQ | EV_EXTINT : 0);
		c = lock_home(v);
		if (v->state != VCPU_HALTED || !(v->ev.pending & wakers)) {
			spin_unlock(&c->rq_lock);
			return;
		}
		v->state = VCPU_RUNNABLE;
		if (v->se.on_rq || c->rq.curr == &v->se) { /* not gone yet */
			spin_unlock(&c->rq_lock);
			return;
		}
		enqueue_and_unlock(v, c, SCHED_WAKEUP);
		return;
	}
	on = v->running_on;
	if (on && on != this_cpu())
		cpu_kick(on, 0); /* exit, and inject at re-entry */
}

/* Takes v off its queue for good or until a SIPI; home is locked. */
static void park(struct vcpu *v, struct cpu *home, enum vcpu_state state)
{
	struct cpu *on = v->running_on;

	v->state = state;
	if (v->se.on_rq)
		home->rq.policy->dequeue(&home->rq, &v->se, sched_clock(),
					 SCHED_SLEEP);
	if (on && on != this_cpu())
		cpu_kick(on, ATTN_RESCHED); /* its run loop dequeues it */
	else if (on)
		__atomic_or_fetch(&on->attention, ATTN_RESCHED, __ATOMIC_SEQ_CST);
}

void sched_init_signal(struct vcpu *v)
{
	struct cpu *c = lock_home(v);

	if (v->state != VCPU_STOPPED) {
		park(v, c, VCPU_WAIT_SIPI);
		v->ev.pending = 0;
		v->timer_deadline = 0;
		v->lapic_deadline = 0;
		/* the APIC's reset waits until v is off every CPU: the CPU may
		 * be using its page (APIC virtualization) until then */
		v->lapic_init_pending = true;
	}
	spin_unlock(&c->rq_lock);
}

void sched_sipi(struct vcpu *v, uint8_t vector)
{
	struct cpu *c = lock_home(v);

	if (v->state != VCPU_WAIT_SIPI || v->se.on_rq ||
	    c->rq.curr == &v->se) { /* SIPIs only start a waiting CPU */
		spin_unlock(&c->rq_lock);
		return;
	}
	v->sipi_vector = vector;
	v->state = VCPU_RUNNABLE;
	enqueue_and_unlock(v, c, SCHED_WAKEUP);
}

void sched_stop_vcpu(struct vcpu *v)
{
	struct cpu *c = lock_home(v);

	if (c->rq.curr == &v->se) /* its last slice counts too */
		c->rq.policy->update_curr(&c->rq, sched_clock());
	park(v, c, VCPU_STOPPED);
	spin_unlock(&c->rq_lock);
}

void sched_timers_changed(struct vcpu *v)
{
	struct cpu *home = cpus[v->se.cpu];

	cpu_kick(home, ATTN_REARM);
}

void sched_yield(void)
{
	struct cpu *c = this_cpu();

	spin_lock(&c->rq_lock);
	if (c->rq.curr)
		c->rq.policy->yield(&c->rq, sched_clock());
	spin_unlock(&c->rq_lock);
	__atomic_or_fetch(&c->attention, ATTN_RESCHED, __ATOMIC_SEQ_CST);
}

/* ---- vCPU timers ---------------------------------------------------- */

static uint64_t guest_tsc(const struct vcpu *v) { return rdtsc() + v->tsc_offset; }

static void fire_hc_timer(struct vcpu *v)
{
	uint32_t vector = v->timer_vector;

	v->timer_deadline = 0;
	if (vector == HV_TIMER_NMI) {
		__atomic_or_fetch(&v->ev.pending, EV_NMI, __ATOMIC_SEQ_CST);
	} else {
		spin_lock(&v->lapic_lock);
		vlapic_accept_irq(&v->lapic, (uint8_t)vector, false);
		spin_unlock(&v->lapic_lock);
	}
	sched_notify(v);
}

static void fire_lapic_timer(struct vcpu *v)
{
	v->lapic_deadline = 0;
	spin_lock(&v->lapic_lock);
	vlapic_timer_expired(&v->lapic, guest_tsc(v));
	spin_unlock(&v->lapic_lock);
	sched_notify(v);
}

/* Device timers belong to the CPU of the VM's vCPU 0. */
static uint64_t fire_vm_timers(struct vm *vm, uint64_t now)
{
	uint64_t next = ~0ull;

	for (int i = 0; i < VM_TIMERS; i++) {
		struct vm_timer *t = &vm->timers[i];
		uint64_t d = t->deadline;

		if (d && now >= d) {
			spin_lock(&vm->dev_lock);
			if (t->deadline == d) { /* not re-armed meanwhile */
				t->deadline = 0;
				t->fire(t->dev, vm_guest_tsc(vm));
			}
			spin_unlock(&vm->dev_lock);
			d = t->deadline;
		}
		if (d && d < next)
			next = d;
	}
	return next;
}

/* Fires the due timers of the vCPUs (and VMs) homed here; returns the
 * earliest deadline still pending (host TSC, ~0 for none). */
static uint64_t fire_timers(struct cpu *c)
{
	uint64_t now = rdtsc(), next = ~0ull;

	for (unsigned i = 0; i < n_vms; i++) {
		if (vms[i]->state == VM_RUNNING &&
		    vms[i]->vcpu[0]->se.cpu == (int)c->id) {
			uint64_t d = fire_vm_timers(vms[i], now);
			next = d < next ? d : next;
		}
		for (unsigned j = 0; j < vms[i]->n_vcpus; j++) {
			struct vcpu *v = vms[i]->vcpu[j];

			if (v->se.cpu != (int)c->id || v->state == VCPU_STOPPED)
				continue;
			if (v->timer_deadline && now >= v->timer_deadline)
				fire_hc_timer(v);
			if (v->lapic_deadline && now >= v->lapic_deadline)
				fire_lapic_timer(v);
			if (v->timer_deadline && v->timer_deadline < next)
				next = v->timer_deadline;
			if (v->lapic_deadline && v->lapic_deadline < next)
				next = v->lapic_deadline;
		}
	}
	return next;
}

/* The preemption timer ends the run at the slice's end or the next vCPU
 * timer of this CPU, whichever comes first (SDM 26.5.1). A vCPU alone on
 * its CPU has no slice end: nothing waits for the CPU, and a vCPU that
 * comes to its queue re-arms it (enqueue_and_unlock). */
static void arm(struct cpu *c, uint64_t next_timer)
{
	uint64_t now = rdtsc(), end, ticks;

	/* unbounded before reading nr_running: an enqueue we do not see
	 * sees unbounded and kicks us (enqueue_and_unlock) */
	c->unbounded = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->rq.nr_running, __ATOMIC_RELAXED) > 1)
		c->unbounded = false;
	end = c->unbounded ? ~0ull : ns_tsc(c->slice_end);
	if (next_timer < end)
		end = next_timer;
	if (!vmx_ctl.preempt_timer) {
		if (end != ~0ull)
			lapic_timer_at(end);
		return;
	}
	ticks = end > now ? (end - now) >> vmx_ctl.preempt_shift : 0;
	vmwrite(PREEMPTION_TIMER_VALUE, ticks > 0xffffffffu ? 0xffffffffu : ticks);
}

/* ---- picking ----------------------------------------------------------- */

/* Under c's lock: what runs next on c (NULL: nothing). */
static struct vcpu *pick(struct cpu *c, uint64_t now)
{
	struct runq *rq = &c->rq;
	struct vcpu *run = c->running;
	struct sched_entity *se;

	if (run && rq->curr == &run->se) {
		rq->policy->update_curr(rq, now);
		if (run->state != VCPU_RUNNABLE)
			rq->policy->dequeue(rq, &run->se, now, SCHED_SLEEP);
		else if (!(c->attention & ATTN_RESCHED) && now < c->slice_end)
			return run;
	}
	__atomic_and_fetch(&c->attention, ~ATTN_RESCHED, __ATOMIC_SEQ_CST);
	se = rq->policy->pick_next(rq, now);
	c->running = se ? vcpu_of(se) : 0;
	if (se)
		c->slice_end = now + rq->policy->slice(rq, se);
	return c->running;
}

/* Moves at most one queued vCPU between run queues, to c when c may
 * take one (to_self), else wherever it fits best. All queues locked in
 * CPU order while the core decides. */
static bool balance(struct cpu *c, bool to_self)
{
	struct runq *rqs[MAX_CPUS];
	struct sched_entity *se;
	int from, dst;
	bool moved;
	uint64_t now = sched_clock();

	for (unsigned i = 0; i < n_cpus; i++) {
		rqs[i] = &cpus[i]->rq;
		spin_lock(&cpus[i]->rq_lock);
	}
	moved = sched_balance_pick(rqs, n_cpus, to_self ? (int)c->id : -1, &se,
				   &from, &dst);
	if (moved) {
		rqs[from]->policy->dequeue(rqs[from], se, now, SCHED_MIGRATING);
		rqs[dst]->policy->enqueue(rqs[dst], se, now, SCHED_MIGRATED);
	}
	for (unsigned i = n_cpus; i-- > 0;)
		spin_unlock(&cpus[i]->rq_lock);
	if (moved && dst != (int)c->id)
		cpu_kick(cpus[dst], ATTN_RESCHED);
	c->next_balance = now + SCHED_BALANCE_NS;
	return moved && dst == (int)c->id;
}

/* Nothing to run: halt until the next vCPU timer or an interrupt. */
static void idle(struct cpu *c, uint64_t next_timer)
{
	if (next_timer != ~0ull)
		lapic_timer_at(next_timer);
	if (__atomic_load_n(&c->attention, __ATOMIC_ACQUIRE) & ATTN_RESCHED)
		return; /* a kick came in meanwhile */
	sti();
	hlt();
	cli();
}

/* ---- switching ----------------------------------------------------------- */

static void start_at_sipi(struct vcpu *v, struct guest_regs *regs)
{
	uint16_t cs = (uint16_t)(v->sipi_vector << 8);

	vcpu_apply_reset(v, regs);
	vmx_guest_real_mode(v, cs, 0);
	v->sipi_vector = -1;
}

/* The vCPU loaded here, if it is not next, leaves now: a halted one may
 * be woken on another CPU at any moment. */
static void leave(struct cpu *c, struct vcpu *next)
{
	if (c->vcpu && c->vcpu != next)
		vcpu_release(c, c->vcpu);
}

static void switch_to(struct cpu *c, struct vcpu *next)
{
	if (next != c->vcpu)
		vcpu_load(c, next);
	if (next->lapic_power_on || next->lapic_init_pending)
		vapic_apply_reset(next);
	if (next->reset_pending)
		vcpu_apply_reset(next, &c->guest);
	if (next->sipi_vector >= 0)
		start_at_sipi(next, &c->guest);
}

/* CPU 0 reads the console's keyboard every CONSOLE_POLL_NS (the host
 * takes no UART interrupts), for the VM that has the focus. */
#define CONSOLE_POLL_NS 10000000ull
static uint64_t next_poll;

static uint64_t poll_console(struct cpu *c, uint64_t next_timer)
{
	uint64_t now, at;

	if (c->id || !console_input_polled())
		return next_timer;
	now = sched_clock();
	if (now >= next_poll) {
		console_poll_input();
		next_poll = now + CONSOLE_POLL_NS;
	}
	at = rdtsc() + ns_tsc(next_poll - now);
	return at < next_timer ? at : next_timer;
}

int sched_slow(struct cpu *c, struct vcpu *cur)
{
	struct vcpu *next;
	uint64_t next_timer, now;

	(void)cur;
	for (;;) {
		__atomic_and_fetch(&c->attention, ~ATTN_REARM, __ATOMIC_SEQ_CST);
		next_timer = poll_console(c, fire_timers(c));
		now = sched_clock();
		if (now >= c->next_balance)
			balance(c, !c->rq.nr_running);
		spin_lock(&c->rq_lock);
		next = pick(c, now);
		spin_unlock(&c->rq_lock);
		leave(c, next);
		if (next)
			break;
		if (!balance(c, true))
			idle(c, next_timer);
	}
	switch_to(c, next);
	arm(c, next_timer);
	if (events_pending(next))
		inject_pending(next);
	if (!next->launched) {
		next->launched = true;
		return 1;
	}
	return 0;
}

void sched_start(void)
{
	struct cpu *c = this_cpu();

	c->next_balance = sched_clock() + SCHED_BALANCE_NS;
	vmx_enter(sched_slow(c, 0));
}
