/* SPDX-License-Identifier: MIT */
/*
 * The 8254 programmable interval timer of a PC (Intel 8254 data sheet,
 * order 231164), as a pure model: channels 0-2 at ports 0x40-0x42, the
 * control word register at 0x43, and the PC's port 0x61 (system control
 * port B: timer 2 gate, speaker data, refresh toggle, timer 2 output).
 *
 * Time: the PIT's 1193182 Hz clock is a grid laid over the guest's TSC
 * from the moment of vpit_init: PIT tick g happens at TSC
 * t0 + ceil(g * tsc_hz / 1193182), and every count and OUT level is a
 * function of the ticks elapsed since a count was loaded, so nothing
 * drifts however long a periodic mode runs.
 *
 * How the hypervisor drives it:
 *  - guest port accesses: vpit_read/vpit_write (0x40-0x43, 0x61);
 *  - channel 0's OUT drives ISA IRQ 0: ops->irq(level) reports its
 *    changes (PIC IRQ 0 and I/O APIC pin 2 on a PC; both edge);
 *  - ops->set_timer(deadline) asks for a call of vpit_timer_expired() at
 *    TSC >= deadline for the next rising edge of OUT0 (0 cancels); a new
 *    deadline replaces the previous one.
 *
 * Choices where the data sheet leaves room (or where a VM differs):
 *  - only rising edges of OUT0 are timed. In modes 2-5 OUT0 is reported
 *    high between edges and each edge as a low-high pair (mode 2's one
 *    low clock, mode 3's low half, the strobes of modes 4/5); in mode 0
 *    OUT0 is reported as it is (low from the count write to the terminal
 *    count). The status byte (read-back) and OUT2 (port 0x61 bit 5) give
 *    the exact level at any time;
 *  - a late vpit_timer_expired() reports one edge for the periods it
 *    missed (the PIC would latch only one) and the next deadline stays on
 *    the grid;
 *  - a count is loaded into the counting element on the first PIT tick
 *    after the write (the data sheet's "next CLK pulse"): in mode 0, OUT
 *    goes high N + 1 ticks after the write of count N;
 *  - a gate change takes effect at the tick it is seen at; counting
 *    suspended by a low gate (modes 0, 4) resumes at the next tick;
 *  - BCD counting is implemented (counts 1-10000, count 0 = 10000);
 *    invalid BCD digits are taken at face value, modulo 10000;
 *  - the status byte returns the mode bits as written (6 and 7 alias 2
 *    and 3 for counting only);
 *  - a count of 1 in modes 2 and 3 (illegal per the data sheet) keeps OUT
 *    constant (low in mode 2, high in mode 3): no IRQ 0 flood;
 *  - a new count written in mode 3 while counting takes effect at the end
 *    of the current half-cycle, in mode 2 at the end of the period;
 *  - writing a control word releases latched counts and status;
 *  - power-up: every channel as after control word 0x36 without a count
 *    (mode 3, LSB then MSB, not counting, OUT high); channels 0 and 1
 *    have their gates tied high, channel 2's gate is port 0x61 bit 0
 *    (0 at power-up). Nothing interrupts until the guest programs the
 *    PIT. The refresh toggle (port 0x61 bit 4) flips every 18 PIT ticks
 *    (15.09 us) whatever channel 1 does; the other bits of 0x61 read 0;
 *  - port 0x43 reads 0xff (the 8254 does not drive the bus there).
 *
 * Not thread-safe: the caller serialises the calls. irq and set_timer
 * run inside vpit_write and vpit_timer_expired.
 */
#ifndef DRIVERS_VPIT_H
#define DRIVERS_VPIT_H

#include <stdbool.h>
#include <stdint.h>

#define VPIT_HZ 1193182u
#define VPIT_PORT_CH0 0x40
#define VPIT_PORT_CH2 0x42
#define VPIT_PORT_CONTROL 0x43
#define VPIT_PORT_61 0x61
#define VPIT_REFRESH_TICKS 18

/* Port 0x61 bits. */
#define VPIT_61_GATE2 0x01
#define VPIT_61_SPEAKER 0x02
#define VPIT_61_REFRESH 0x10
#define VPIT_61_OUT2 0x20

/* now is required; set_timer and irq may be NULL. */
struct vpit_ops {
	uint64_t (*now)(void *ctx); /* the guest's TSC */
	void (*set_timer)(void *ctx, uint64_t tsc_deadline);
	void (*irq)(void *ctx, bool level);
};

/* Counting element states. */
enum { VPIT_IDLE, VPIT_RUN, VPIT_SUSPENDED };

struct vpit_channel {
	uint8_t mode; /* control word bits 3:1 as written */
	uint8_t rw;   /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	uint32_t cr;	 /* count register: 1..65536 (10000 in BCD) */
	bool have_count; /* a count was written since the control word */
	bool wr_msb, rd_msb; /* two-byte sequencing: MSB is next */
	uint8_t wr_lsb;
	uint8_t latch_n; /* latched count bytes still to read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	/* counting element: in run RUN, CE/OUT follow k = tick - start + k0
	 * from tick start on; SUSPENDED holds k0; IDLE shows idle_ce/out */
	uint8_t run;
	uint32_t n;
	uint64_t start, k0;
	uint16_t idle_ce;
	bool idle_out;
	/* modes 2/3: a new count waiting for the end of the cycle */
	bool pend;
	uint32_t pend_n;
	uint64_t pend_start, pend_k0;
	uint64_t loaded_at; /* tick the count register reaches the CE;
			     * UINT64_MAX while it waits (null count) */
};

struct vpit {
	struct vpit_channel ch[3];
	uint64_t tsc_khz;
	uint64_t t0;	   /* TSC of PIT tick 0 */
	bool speaker;	   /* port 0x61 bit 1 */
	bool irq_level;	   /* OUT0 as last reported */
	uint64_t deadline; /* armed host timer (TSC), 0 = none */
	const struct vpit_ops *ops;
	void *ctx;
};

/* Power-up state (see above), the PIT clock starting at ops->now(). No
 * callback other than now is called. tsc_khz > 0. */
void vpit_init(struct vpit *p, uint64_t tsc_khz, const struct vpit_ops *ops,
	       void *ctx);
/* Ports 0x40-0x43 and 0x61; others read 0xff and ignore writes. */
bool vpit_is_port(uint16_t port);
uint8_t vpit_read(struct vpit *p, uint16_t port);
void vpit_write(struct vpit *p, uint16_t port, uint8_t val);
/* The host timer asked for by set_timer fired at TSC now; earlier calls
 * and calls while nothing is armed are ignored. */
void vpit_timer_expired(struct vpit *p, uint64_t now);
/* The PIT tick at TSC tsc, and the first TSC of tick g. */
uint64_t vpit_tick_at(const struct vpit *p, uint64_t tsc);
uint64_t vpit_tsc_of(const struct vpit *p, uint64_t g);

#endif
