/* SPDX-License-Identifier: MIT */
/* drivers/vpt.c: the configuration space a VM sees of a PCI function
 * passed through to it, against a fake device (a 256-byte configuration
 * space that records what the model forwards). */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vpt.h"

#define CAP_PM 0x01

/* ---- the fake device ----------------------------------------------------- */

struct write {
	unsigned off, size;
	uint32_t val;
};

struct move {
	unsigned i;
	uint64_t gpa;
	bool decoded;
};

struct fake {
	uint8_t cfg[256];
	struct pci_dev dev;
	struct write wr[64];
	unsigned n_wr;
	struct move mv[64];
	unsigned n_mv;
	struct vpt_msi msi[64];
	unsigned n_msi;
};

static struct fake fk;
static struct vpt v;

static uint32_t get(unsigned off, unsigned size)
{
	uint32_t x = 0;

	for (unsigned k = 0; k < size; k++)
		x |= (uint32_t)fk.cfg[off + k] << (8 * k);
	return x;
}

static void put(unsigned off, unsigned size, uint32_t x)
{
	for (unsigned k = 0; k < size; k++)
		fk.cfg[off + k] = (uint8_t)(x >> (8 * k));
}

static uint32_t dev_read(void *ctx, unsigned off, unsigned size)
{
	assert_ptr_equal(ctx, &fk);
	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(off % size, 0);
	assert_true(off + size <= 256);
	return get(off, size);
}

/* Recorded only: the device's registers keep their contents, so a model
 * that read back what it forwarded would show. */
static void dev_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	assert_ptr_equal(ctx, &fk);
	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(off % size, 0);
	assert_true(off + size <= 256);
	/* the model writes the device's command register and nothing else,
	 * there only decoding bits with INTx disabled */
	if (off != PCI_COMMAND || size != 2 || !(val & PCI_CMD_INTX_DISABLE) ||
	    (val & ~0x0407u))
		fail_msg("device write: offset %#x size %u value %#x", off, size,
			 val);
	assert_true(fk.n_wr < ARRAY_SIZE(fk.wr));
	fk.wr[fk.n_wr++] = (struct write){ off, size, val };
}

static void dev_bar_moved(void *ctx, unsigned i, uint64_t gpa, bool decoded)
{
	assert_ptr_equal(ctx, &fk);
	assert_true(i < 6);
	assert_true(fk.n_mv < ARRAY_SIZE(fk.mv));
	fk.mv[fk.n_mv++] = (struct move){ i, gpa, decoded };
}

static void dev_msi_changed(void *ctx, const struct vpt_msi *m)
{
	assert_ptr_equal(ctx, &fk);
	assert_non_null(m);
	assert_true(fk.n_msi < ARRAY_SIZE(fk.msi));
	fk.msi[fk.n_msi++] = *m;
}

static const struct vpt_ops ops = { dev_read, dev_write, dev_bar_moved,
				    dev_msi_changed };

/* ---- device layouts ------------------------------------------------------ */

struct cap {
	uint8_t off, id;
};

enum bars {
	BARS_MIXED, /* 0: mem32 1 MiB, 1: I/O 32, 2/3: mem64 pref 256 MiB */
	BARS_4G,    /* 0/1: mem64 pref 4 GiB, 2: mem32 1 MiB, 3: I/O 8 */
};

struct layout {
	const struct cap *caps;
	unsigned n;
	bool msi64, pvm;
	enum bars bars;
};

static const struct cap CH_MIDDLE[] = { { 0x40, CAP_PM },
					{ 0x50, PCI_CAP_MSI },
					{ 0x70, PCI_CAP_MSIX },
					{ 0x90, PCI_CAP_PCIE } };
static const struct cap CH_FIRST[] = { { 0x70, PCI_CAP_MSIX },
				       { 0x40, CAP_PM },
				       { 0x50, PCI_CAP_MSI },
				       { 0x90, PCI_CAP_PCIE } };
static const struct cap CH_LAST[] = { { 0x40, CAP_PM },
				      { 0x50, PCI_CAP_MSI },
				      { 0x90, PCI_CAP_PCIE },
				      { 0x70, PCI_CAP_MSIX } };
static const struct cap CH_NO_MSIX[] = { { 0x40, CAP_PM },
					 { 0x50, PCI_CAP_MSI },
					 { 0x90, PCI_CAP_PCIE } };
/* Intel 82574L (e1000e): a 64-bit MSI without per-vector masking (14
 * bytes) at 0xd0 with the PCI Express capability right after it at 0xe0 */
static const struct cap CH_82574[] = { { 0xc8, CAP_PM },
				       { 0xd0, PCI_CAP_MSI },
				       { 0xe0, PCI_CAP_PCIE },
				       { 0xa0, PCI_CAP_MSIX } };
/* a 32-bit MSI without masking (10 bytes) with the next one at +12 */
static const struct cap CH_MSI32_TIGHT[] = { { 0x40, CAP_PM },
					     { 0x50, PCI_CAP_MSI },
					     { 0x5c, PCI_CAP_PCIE },
					     { 0x70, PCI_CAP_MSIX } };

#define LAYOUT(ch, m64, pv, b) { ch, ARRAY_SIZE(ch), m64, pv, b }

static const struct layout L_MIDDLE = LAYOUT(CH_MIDDLE, true, true, BARS_MIXED);
static const struct layout L_FIRST = LAYOUT(CH_FIRST, true, true, BARS_MIXED);
static const struct layout L_LAST = LAYOUT(CH_LAST, true, true, BARS_MIXED);
static const struct layout L_NO_MSIX =
	LAYOUT(CH_NO_MSIX, true, true, BARS_MIXED);
static const struct layout L_MSI32 =
	LAYOUT(CH_MIDDLE, false, false, BARS_MIXED);
static const struct layout L_MSI32_PVM =
	LAYOUT(CH_MIDDLE, false, true, BARS_MIXED);
static const struct layout L_4G = LAYOUT(CH_MIDDLE, true, true, BARS_4G);
static const struct layout L_82574 = LAYOUT(CH_82574, true, false, BARS_MIXED);
static const struct layout L_MSI32_TIGHT =
	LAYOUT(CH_MSI32_TIGHT, false, false, BARS_MIXED);

static const struct layout *cur;

/* The MSI capability's real length, rounded up to dwords. */
static unsigned msi_len(const struct layout *l)
{
	return l->msi64 ? (l->pvm ? 24 : 16) : (l->pvm ? 20 : 12);
}

static uint16_t msi_ctl_dev(const struct layout *l)
{
	/* MMC 1 (two vectors), MME 1 and enable as the glue left them */
	return 0x0002 | 0x0010 | 0x0001 | (l->msi64 ? 0x0080 : 0) |
	       (l->pvm ? 0x0100 : 0);
}

static void cap_body(const struct layout *l, const struct cap *c)
{
	unsigned o = c->off;

	switch (c->id) {
	case CAP_PM:
		put(o + 2, 2, 0xc803);
		/* PMCSR whose second byte looks like a pointer to MSI-X */
		put(o + 4, 4, 0x00007008);
		break;
	case PCI_CAP_MSI:
		put(o + 2, 2, msi_ctl_dev(l));
		put(o + 4, 4, 0xfee0001c);
		if (l->msi64) {
			put(o + 8, 4, 0x00000001);
			put(o + 12, 4, 0x00004d21);
			if (l->pvm) {
				put(o + 16, 4, 0x00000003); /* mask */
				put(o + 20, 4, 0x00000001); /* pending */
			}
		} else {
			put(o + 8, 4, 0x00004d21);
			if (l->pvm) {
				put(o + 12, 4, 0x00000003);
				put(o + 16, 4, 0x00000001);
			}
		}
		break;
	case PCI_CAP_MSIX:
		put(o + 2, 2, 0x8004); /* enabled, 5 entries */
		put(o + 4, 4, 0x00002000);
		put(o + 8, 4, 0x00003000);
		break;
	case PCI_CAP_PCIE:
		put(o + 2, 2, 0x0002);
		put(o + 4, 4, 0x10008cc1); /* FLR */
		put(o + 8, 4, 0x00102810);
		break;
	}
}

static void build(const struct layout *l)
{
	static const uint32_t mixed[6][2] = {
		{ 0xfeb00000, 0xfff00000 }, { 0x0000e001, 0xffffffe1 },
		{ 0x8000000c, 0xf000000c }, { 0x00000003, 0xffffffff },
		{ 0, 0 },		    { 0, 0 },
	};
	static const uint32_t big[6][2] = {
		{ 0x0000000c, 0x0000000c }, { 0x00000004, 0xffffffff },
		{ 0xfeb00000, 0xfff00000 }, { 0x0000e101, 0xfffffff9 },
		{ 0, 0 },		    { 0, 0 },
	};
	const uint32_t(*bars)[2] = l->bars == BARS_4G ? big : mixed;
	struct pci_dev *d = &fk.dev;

	memset(&fk, 0, sizeof(fk));
	memset(&v, 0xcc, sizeof(v));
	cur = l;
	for (unsigned k = 0; k < 256; k++)
		fk.cfg[k] = (uint8_t)(k ^ 0xa5);
	put(0x00, 4, 0x10d38086);
	put(0x04, 2, 0x0400); /* the glue quietened it */
	put(0x06, 2, PCI_STATUS_CAPS);
	put(0x08, 4, 0x02000001); /* Ethernet, revision 1 */
	put(0x0c, 4, 0x00002010); /* header type 0, latency 0x20, line 0x10 */
	for (unsigned i = 0; i < 6; i++)
		put(PCI_BAR0 + 4 * i, 4, bars[i][0]);
	put(0x28, 4, 0);
	put(0x2c, 4, 0xa01f8086);
	put(0x30, 4, 0xfea00001); /* an enabled ROM */
	put(0x34, 4, l->caps[0].off);
	put(0x38, 4, 0);
	put(0x3c, 4, 0x0000010b); /* pin A, line 11 */
	for (unsigned j = 0; j < l->n; j++) {
		put(l->caps[j].off, 1, l->caps[j].id);
		put(l->caps[j].off + 1u, 1, j + 1 < l->n ? l->caps[j + 1].off : 0);
		cap_body(l, &l->caps[j]);
	}

	/* what pci_scan makes of it */
	d->bdf = PCI_BDF(3, 0, 0);
	d->vendor = 0x8086;
	d->device = 0x10d3;
	d->class_rev = get(0x08, 4);
	d->header_type = 0;
	for (unsigned i = 0; i < 6;) {
		uint32_t val = bars[i][0], probe = bars[i][1];
		uint32_t vh = i < 5 ? bars[i + 1][0] : 0;
		uint32_t ph = i < 5 ? bars[i + 1][1] : 0;
		unsigned used = pci_bar_decode(val, probe, vh, ph, &d->bar[i]);

		i += used ? used : 1;
	}
	for (unsigned p = get(PCI_CAP_PTR, 1) & 0xfc; p; p = get(p + 1, 1) & 0xfc) {
		switch (get(p, 1)) {
		case PCI_CAP_MSI:
			d->cap_msi = (uint8_t)p;
			break;
		case PCI_CAP_MSIX:
			d->cap_msix = (uint8_t)p;
			break;
		case PCI_CAP_PCIE:
			d->cap_pcie = (uint8_t)p;
			d->flr = get(p + 4, 4) & (1u << 28);
			break;
		}
	}
	vpt_init(&v, d, &ops, &fk);
}

static int setup(void **state)
{
	build(&L_MIDDLE);
	return 0;
}

/* Nothing a test did not look at. */
static int teardown(void **state)
{
	if (fk.n_msi > 1)
		fail_msg("%u MSI changes left unchecked", fk.n_msi);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static uint32_t rd(unsigned off, unsigned size)
{
	uint32_t x = vpt_read(&v, off, size);

	if (size < 4 && x >> (8 * size))
		fail_msg("read %#x/%u: %#x wider than the access", off, size, x);
	return x;
}

static void wr(unsigned off, unsigned size, uint32_t val)
{
	vpt_write(&v, off, size, val);
}

#define EXPECT_RD(off, size, want)                                           \
	do {                                                                 \
		uint32_t got_ = rd((off), (size)), want_ = (want);           \
		if (got_ != want_)                                           \
			fail_msg("read %#x/%u: got %#x, want %#x",           \
				 (unsigned)(off), (unsigned)(size), got_,    \
				 want_);                                     \
	} while (0)

static void clear_logs(void)
{
	fk.n_wr = fk.n_mv = fk.n_msi = 0;
}

static void expect_nothing_at(int line)
{
	if (fk.n_wr || fk.n_mv || fk.n_msi)
		fail_msg("line %d: %u device writes, %u BAR moves, %u MSI "
			 "changes; none expected",
			 line, fk.n_wr, fk.n_mv, fk.n_msi);
}
#define EXPECT_NOTHING() expect_nothing_at(__LINE__)

/* exactly one device write: the command register as a word */
static void expect_cmd_at(int line, uint32_t val)
{
	if (fk.n_wr != 1 || fk.wr[0].off != PCI_COMMAND ||
	    fk.wr[0].size != 2 || fk.wr[0].val != val)
		fail_msg("line %d: want one write (4, 2, %#x), got %u, first "
			 "(%#x, %u, %#x)",
			 line, val, fk.n_wr, fk.wr[0].off, fk.wr[0].size,
			 fk.wr[0].val);
	fk.n_wr = 0;
}
#define EXPECT_CMD(val) expect_cmd_at(__LINE__, val)

/* exactly these BAR moves, in any order */
static void expect_moves_at(int line, const struct move *want, unsigned n)
{
	bool used[64] = { 0 };

	if (fk.n_mv != n)
		fail_msg("line %d: %u BAR moves, want %u", line, fk.n_mv, n);
	for (unsigned a = 0; a < n; a++) {
		unsigned b;

		for (b = 0; b < fk.n_mv; b++)
			if (!used[b] && fk.mv[b].i == want[a].i &&
			    fk.mv[b].gpa == want[a].gpa &&
			    fk.mv[b].decoded == want[a].decoded)
				break;
		if (b == fk.n_mv) {
			for (b = 0; b < fk.n_mv; b++)
				print_error("  moved: %u %#llx %d\n", fk.mv[b].i,
					    (unsigned long long)fk.mv[b].gpa,
					    fk.mv[b].decoded);
			fail_msg("line %d: no move (%u, %#llx, %d)", line,
				 want[a].i, (unsigned long long)want[a].gpa,
				 want[a].decoded);
		}
		used[b] = true;
	}
	fk.n_mv = 0;
}
#define EXPECT_MOVES(...)                                                    \
	do {                                                                 \
		const struct move w_[] = { __VA_ARGS__ };                    \
		expect_moves_at(__LINE__, w_, ARRAY_SIZE(w_));               \
	} while (0)

static void expect_msi_at(int line, bool en, uint64_t addr, uint16_t data)
{
	if (fk.n_msi != 1)
		fail_msg("line %d: %u MSI changes, want 1", line, fk.n_msi);
	if (fk.msi[0].enabled != en || fk.msi[0].addr != addr ||
	    fk.msi[0].data != data)
		fail_msg("line %d: MSI (%d, %#llx, %#x), want (%d, %#llx, %#x)",
			 line, fk.msi[0].enabled,
			 (unsigned long long)fk.msi[0].addr, fk.msi[0].data, en,
			 (unsigned long long)addr, data);
	fk.n_msi = 0;
}
#define EXPECT_MSI(en, addr, data) expect_msi_at(__LINE__, en, addr, data)

static unsigned msi_data_off(void)
{
	return fk.dev.cap_msi + (cur->msi64 ? 12u : 8u);
}

/* A guest that has set everything up: BARs placed, decoding on, MSI on. */
static void program(void)
{
	for (unsigned i = 0; i < 6; i++)
		wr(PCI_BAR0 + 4 * i, 4, 0xc0000000u | i << 24);
	wr(PCI_COMMAND, 2, 0x0107);
	wr(fk.dev.cap_msi + 4u, 4, 0xfee01004);
	if (cur->msi64)
		wr(fk.dev.cap_msi + 8u, 4, 0);
	wr(msi_data_off(), 2, 0x4041);
	wr(fk.dev.cap_msi + 2u, 2, 1);
	clear_logs();
}

/* The capability of the chain whose next pointer names MSI-X; 0x34 when
 * MSI-X comes first, 0 when there is no MSI-X. */
static unsigned msix_pred(const struct layout *l)
{
	for (unsigned j = 0; j < l->n; j++)
		if (l->caps[j].id == PCI_CAP_MSIX)
			return j ? l->caps[j - 1].off : PCI_CAP_PTR;
	return 0;
}

/* Everything the model does not virtualize reads as the device has it. */
static void check_passthrough(const struct layout *l)
{
	unsigned msi = fk.dev.cap_msi, msix = fk.dev.cap_msix;
	unsigned pred = msix_pred(l);

	for (unsigned off = 0; off < 256; off += 4) {
		uint32_t want = get(off, 4), got;

		if (off == PCI_COMMAND || (off >= PCI_BAR0 && off < 0x28) ||
		    off == 0x30 || off == PCI_CAP_PTR || off == 0x3c)
			continue;
		if (msi && off >= msi && off < msi + msi_len(l))
			continue;
		if (msix && off >= msix && off < msix + 12)
			continue;
		if (pred && off == pred)
			want = (want & ~0xff00u) | (get(msix + 1, 1) << 8);
		got = rd(off, 4);
		if (got != want)
			fail_msg("offset %#x: got %#x, want the device's %#x",
				 off, got, want);
	}
}

/* Walks the guest's view of the chain by byte reads: these offsets, in
 * this order, each with the device's ID and the rest of its header. */
static void check_chain(const uint8_t *want, unsigned n)
{
	unsigned p = rd(PCI_CAP_PTR, 1);

	EXPECT_RD(PCI_CAP_PTR, 4, p);
	assert_true(rd(PCI_STATUS, 2) & PCI_STATUS_CAPS);
	for (unsigned j = 0; j < n; j++) {
		if (p != want[j])
			fail_msg("capability %u at %#x, want %#x", j, p,
				 want[j]);
		EXPECT_RD(p, 1, fk.cfg[p]);
		if (fk.cfg[p] != PCI_CAP_MSI) /* its control is virtual */
			EXPECT_RD(p + 2, 2, get(p + 2, 2));
		assert_int_not_equal(fk.cfg[p], PCI_CAP_MSIX);
		EXPECT_RD(p, 2, rd(p, 1) | rd(p + 1, 1) << 8);
		p = rd(p + 1, 1);
	}
	if (p)
		fail_msg("chain goes on at %#x", p);
}

/* ---- identity, command and status ---------------------------------------- */

static void test_ids_class_header(void **state)
{
	EXPECT_RD(0x00, 4, 0x10d38086);
	EXPECT_RD(0x00, 2, 0x8086);
	EXPECT_RD(0x02, 2, 0x10d3);
	EXPECT_RD(0x01, 1, 0x80);
	EXPECT_RD(PCI_CLASS_REV, 4, 0x02000001);
	EXPECT_RD(0x0b, 1, 0x02); /* base class */
	EXPECT_RD(0x0a, 2, 0x0200);
	EXPECT_RD(0x0c, 4, 0x00002010);
	EXPECT_RD(PCI_HEADER_TYPE, 1, 0x00);
	EXPECT_RD(0x0d, 1, 0x20);
	EXPECT_RD(0x2c, 4, 0xa01f8086); /* subsystem: the device's */
	/* initialising touched nothing */
	EXPECT_NOTHING();
}

static void test_command_initial_and_status(void **state)
{
	/* the device's command is 0x0400; the guest's copy starts at 0 */
	EXPECT_RD(PCI_COMMAND, 4, (uint32_t)PCI_STATUS_CAPS << 16);
	EXPECT_RD(PCI_COMMAND, 2, 0);
	EXPECT_RD(0x05, 1, 0);
	EXPECT_RD(PCI_STATUS, 2, PCI_STATUS_CAPS);
	EXPECT_RD(0x06, 1, PCI_STATUS_CAPS);
	EXPECT_RD(0x07, 1, 0);
	/* status is the device's as it is now */
	put(PCI_STATUS, 2, 0x4010);
	EXPECT_RD(PCI_STATUS, 2, 0x4010);
	EXPECT_RD(PCI_COMMAND, 4, 0x40100000);
	EXPECT_NOTHING();
}

/* one command write: exactly this word reaches the device; the BAR moves
 * it causes are another test's business */
static void cmd_write_at(int line, unsigned size, uint32_t val, uint32_t dev)
{
	wr(PCI_COMMAND, size, val);
	expect_cmd_at(line, dev);
	fk.n_mv = 0;
}
#define CMD_WRITE(size, val, dev) cmd_write_at(__LINE__, size, val, dev)

static void test_command_forwarded(void **state)
{
	CMD_WRITE(2, 0xffff, 0x0407);
	EXPECT_RD(PCI_COMMAND, 2, 0x0547);
	EXPECT_RD(PCI_COMMAND, 4, 0x00100547);

	CMD_WRITE(2, 0, 0x0400);
	EXPECT_RD(PCI_COMMAND, 2, 0);

	/* a dword write: command forwarded, status not written */
	CMD_WRITE(4, 0xffffffff, 0x0407);
	EXPECT_RD(PCI_COMMAND, 4, 0x00100547);

	CMD_WRITE(2, PCI_CMD_MEM, 0x0402);
	EXPECT_RD(PCI_COMMAND, 2, PCI_CMD_MEM);

	CMD_WRITE(2, PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE, 0x0404);
	EXPECT_RD(PCI_COMMAND, 2, 0x0404);

	/* parity and SERR stay with the guest; INTx disable always reaches
	 * the device, whatever the guest says */
	CMD_WRITE(2, 0x0141, 0x0401);
	EXPECT_RD(PCI_COMMAND, 2, 0x0141);

	/* every other bit: neither kept nor forwarded */
	CMD_WRITE(2, 0xfab8, 0x0400);
	EXPECT_RD(PCI_COMMAND, 2, 0);
	EXPECT_RD(PCI_STATUS, 2, PCI_STATUS_CAPS);
	EXPECT_NOTHING();
}

static void test_command_byte_writes(void **state)
{
	wr(PCI_COMMAND, 2, 0x0003);
	EXPECT_CMD(0x0403);
	fk.n_mv = 0;
	/* the high byte merges with the guest's low byte */
	wr(0x05, 1, 0x05);
	EXPECT_CMD(0x0403);
	EXPECT_RD(PCI_COMMAND, 2, 0x0503);
	/* and the low byte with the high one */
	wr(0x04, 1, 0x04);
	EXPECT_CMD(0x0404);
	EXPECT_RD(PCI_COMMAND, 2, 0x0504);
	EXPECT_RD(0x05, 1, 0x05);
	fk.n_mv = 0;
	/* status: RW1C on the device; nothing reaches it */
	wr(0x06, 1, 0xff);
	wr(0x07, 1, 0xff);
	wr(PCI_STATUS, 2, 0xffff);
	EXPECT_NOTHING();
	EXPECT_RD(PCI_COMMAND, 4, 0x00100504);
}

/* ---- every offset, every size -------------------------------------------- */

static void check_sizes_agree(void)
{
	for (unsigned off = 0; off < 256; off += 4) {
		uint32_t d = rd(off, 4);

		for (unsigned k = 0; k < 4; k++)
			EXPECT_RD(off + k, 1, d >> (8 * k) & 0xff);
		EXPECT_RD(off, 2, d & 0xffff);
		EXPECT_RD(off + 2, 2, d >> 16);
	}
}

static void test_reads_agree_all_sizes(void **state)
{
	const struct layout *ls[] = { &L_MIDDLE, &L_FIRST, &L_LAST,
				      &L_NO_MSIX, &L_MSI32, &L_MSI32_PVM,
				      &L_4G, &L_82574, &L_MSI32_TIGHT };

	for (unsigned k = 0; k < ARRAY_SIZE(ls); k++) {
		build(ls[k]);
		check_sizes_agree();
		program();
		check_sizes_agree();
		wr(PCI_BAR0, 4, 0xffffffff); /* mid-sizing too */
		wr(PCI_BAR0 + 12, 4, 0xffffffff);
		check_sizes_agree();
		clear_logs();
	}
}

static void test_passthrough_msix_middle(void **state)
{
	check_passthrough(&L_MIDDLE);
	program();
	check_passthrough(&L_MIDDLE);
}

static void test_passthrough_msix_first(void **state)
{
	build(&L_FIRST);
	check_passthrough(&L_FIRST);
	program();
	check_passthrough(&L_FIRST);
}

static void test_passthrough_msix_last(void **state)
{
	build(&L_LAST);
	check_passthrough(&L_LAST);
	program();
	check_passthrough(&L_LAST);
}

static void test_passthrough_no_msix(void **state)
{
	build(&L_NO_MSIX);
	check_passthrough(&L_NO_MSIX);
	/* nothing hidden at 0x70 (nor at 0x00) without an MSI-X */
	EXPECT_RD(0x70, 4, get(0x70, 4));
	program();
	check_passthrough(&L_NO_MSIX);
}

/* ---- BARs ---------------------------------------------------------------- */

/* OS-style sizing: save, all ones, read, restore; returns what was read */
static uint32_t size_bar(unsigned i)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t orig = rd(off, 4), probe;

	wr(off, 4, 0xffffffff);
	probe = rd(off, 4);
	wr(off, 4, orig);
	EXPECT_RD(off, 4, orig);
	return probe;
}

static void test_bar_mem32(void **state)
{
	EXPECT_RD(0x10, 4, 0); /* guest address 0, non-prefetchable mem32 */
	assert_int_equal(size_bar(0), 0xfff00000);
	wr(0x10, 4, 0xffffffff);
	EXPECT_RD(0x10, 4, 0xfff00000);
	EXPECT_RD(0x12, 2, 0xfff0);
	EXPECT_RD(0x10, 1, 0x00);
	/* sizing one BAR leaves the others alone */
	EXPECT_RD(0x14, 4, 0x00000001);
	EXPECT_RD(0x18, 4, 0x0000000c);
	wr(0x10, 4, 0xc0000000);
	EXPECT_RD(0x10, 4, 0xc0000000);
	/* masked to the BAR's alignment; the guest's flag bits ignored */
	wr(0x10, 4, 0xd00abcdf);
	EXPECT_RD(0x10, 4, 0xd0000000);
	assert_int_equal(size_bar(0), 0xfff00000);
	EXPECT_RD(0x10, 4, 0xd0000000);
	EXPECT_NOTHING();
}

static void test_bar_io(void **state)
{
	uint32_t p;

	EXPECT_RD(0x14, 4, 0x00000001);
	p = size_bar(1);
	/* ~31 with bit 0 set; the upper half may read 0 or ones */
	assert_int_equal(p & 0xffff, 0xffe1);
	assert_int_equal(p | 0xffff0000, 0xffffffe1);
	wr(0x14, 4, 0xc020);
	EXPECT_RD(0x14, 4, 0xc021);
	wr(0x14, 4, 0xc03d); /* masked to 32-byte alignment */
	EXPECT_RD(0x14, 4, 0xc021);
	wr(0x14, 4, 0xc040);
	EXPECT_RD(0x14, 4, 0xc041);
	EXPECT_RD(0x14, 1, 0x41);
	EXPECT_NOTHING();
}

static void test_bar_mem64_256m(void **state)
{
	EXPECT_RD(0x18, 4, 0x0000000c); /* 64-bit, prefetchable */
	EXPECT_RD(0x1c, 4, 0);
	/* the lower half: ~(256 MiB - 1), flags kept */
	wr(0x18, 4, 0xffffffff);
	EXPECT_RD(0x18, 4, 0xf000000c);
	EXPECT_RD(0x1c, 4, 0); /* the upper half still the guest's */
	wr(0x18, 4, 0x0000000c);
	EXPECT_RD(0x18, 4, 0x0000000c);
	/* the upper half: all of it */
	wr(0x1c, 4, 0xffffffff);
	EXPECT_RD(0x1c, 4, 0xffffffff);
	EXPECT_RD(0x18, 4, 0x0000000c);
	wr(0x1c, 4, 0);
	EXPECT_RD(0x1c, 4, 0);
	/* both halves at once */
	wr(0x18, 4, 0xffffffff);
	wr(0x1c, 4, 0xffffffff);
	EXPECT_RD(0x18, 4, 0xf000000c);
	EXPECT_RD(0x1c, 4, 0xffffffff);
	wr(0x18, 4, 0x0000000c);
	wr(0x1c, 4, 0);
	/* placing it above 4 GiB */
	wr(0x18, 4, 0x90000000);
	wr(0x1c, 4, 0x00000008);
	EXPECT_RD(0x18, 4, 0x9000000c);
	EXPECT_RD(0x1c, 4, 0x00000008);
	wr(0x18, 4, 0x9abcdef0); /* masked to 256 MiB */
	EXPECT_RD(0x18, 4, 0x9000000c);
	EXPECT_RD(0x1c, 4, 0x00000008);
	wr(0x1c, 4, 0x00000009);
	EXPECT_RD(0x1c, 4, 0x00000009);
	EXPECT_RD(0x18, 4, 0x9000000c);
	assert_int_equal(size_bar(3), 0xffffffff);
	assert_int_equal(size_bar(2), 0xf000000c);
	EXPECT_RD(0x1c, 4, 0x00000009);
	/* reported at the full address once decoded */
	wr(PCI_COMMAND, 2, PCI_CMD_MEM);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0, true }, { 2, 0x990000000ull, true });
	EXPECT_NOTHING();
}

static void test_bar_mem64_4g(void **state)
{
	build(&L_4G);
	EXPECT_RD(0x10, 4, 0x0000000c);
	/* 4 GiB: no writable bits in the lower half, all in the upper */
	assert_int_equal(size_bar(0), 0x0000000c);
	assert_int_equal(size_bar(1), 0xffffffff);
	wr(0x10, 4, 0x80000000);
	EXPECT_RD(0x10, 4, 0x0000000c);
	wr(0x14, 4, 0x00000004);
	EXPECT_RD(0x14, 4, 0x00000004);
	EXPECT_RD(0x10, 4, 0x0000000c);
	/* the mem32 BAR after it is BAR2 */
	assert_int_equal(size_bar(2), 0xfff00000);
	wr(0x18, 4, 0xe0000000);
	/* an 8-byte I/O BAR: bits 3:2 are address */
	EXPECT_RD(0x1c, 4, 0x00000001);
	assert_int_equal(size_bar(3) & 0xffff, 0xfff9);
	wr(0x1c, 4, 0xc02c);
	EXPECT_RD(0x1c, 4, 0xc029);
	EXPECT_NOTHING();
	wr(PCI_COMMAND, 2, PCI_CMD_MEM);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0x400000000ull, true }, { 2, 0xe0000000, true });
	wr(0x14, 4, 0x00000005);
	EXPECT_MOVES({ 0, 0x500000000ull, true });
	wr(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	fk.n_wr = 0;
	EXPECT_MOVES({ 3, 0xc028, true });
}

static void test_bar_unimplemented(void **state)
{
	wr(PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
	clear_logs();
	for (unsigned i = 4; i < 6; i++) {
		unsigned off = PCI_BAR0 + 4 * i;

		EXPECT_RD(off, 4, 0);
		wr(off, 4, 0xffffffff);
		EXPECT_RD(off, 4, 0);
		EXPECT_RD(off + 2, 2, 0);
		wr(off, 4, 0xd0000000);
		EXPECT_RD(off, 4, 0);
		wr(off, 4, 0xd001);
		EXPECT_RD(off, 4, 0);
	}
	EXPECT_NOTHING();
}

static void test_bar_non_dword_writes_ignored(void **state)
{
	wr(0x10, 4, 0xc0000000);
	wr(0x14, 4, 0xc020);
	wr(0x18, 4, 0x90000000);
	wr(0x1c, 4, 0x8);
	wr(PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
	clear_logs();
	for (unsigned off = PCI_BAR0; off < 0x28; off++) {
		wr(off, 1, 0xff);
		wr(off, 1, 0x00);
		if (off % 2 == 0) {
			wr(off, 2, 0xffff);
			wr(off, 2, 0x0000);
		}
	}
	EXPECT_RD(0x10, 4, 0xc0000000);
	EXPECT_RD(0x14, 4, 0xc021);
	EXPECT_RD(0x18, 4, 0x9000000c);
	EXPECT_RD(0x1c, 4, 0x8);
	EXPECT_RD(0x20, 4, 0);
	EXPECT_NOTHING();
}

/* ---- BAR moves ----------------------------------------------------------- */

static void test_bar_moved_not_while_decode_off(void **state)
{
	wr(0x10, 4, 0xc0000000);
	wr(0x14, 4, 0xc020);
	wr(0x18, 4, 0x90000000);
	wr(0x1c, 4, 0x8);
	EXPECT_NOTHING();
	/* I/O decoding does not decode memory BARs ... */
	wr(PCI_COMMAND, 2, PCI_CMD_IO);
	fk.n_wr = 0;
	EXPECT_MOVES({ 1, 0xc020, true });
	wr(0x10, 4, 0xc0100000);
	wr(0x18, 4, 0xa0000000);
	wr(0x1c, 4, 0x9);
	EXPECT_NOTHING();
	/* ... nor memory decoding I/O BARs */
	wr(PCI_COMMAND, 2, PCI_CMD_MEM);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0100000, true }, { 1, 0xc020, false },
		     { 2, 0x9a0000000ull, true });
	wr(0x14, 4, 0xc040);
	EXPECT_NOTHING();
	/* master alone decodes nothing */
	wr(PCI_COMMAND, 2, PCI_CMD_MASTER);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0100000, false }, { 2, 0x9a0000000ull, false });
	wr(0x10, 4, 0xc0200000);
	wr(0x14, 4, 0xc060);
	wr(0x18, 4, 0xb0000000);
	EXPECT_NOTHING();
}

static void test_bar_moved_on_move(void **state)
{
	wr(PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
	clear_logs();
	wr(0x10, 4, 0xc0100000);
	EXPECT_MOVES({ 0, 0xc0100000, true });
	/* the same address, literally or after masking: nothing */
	wr(0x10, 4, 0xc0100000);
	wr(0x10, 4, 0xc01ffff8);
	EXPECT_NOTHING();
	/* sizing and restoring: nothing */
	assert_int_equal(size_bar(0), 0xfff00000);
	EXPECT_NOTHING();
	wr(0x14, 4, 0xc020);
	EXPECT_MOVES({ 1, 0xc020, true });
	wr(0x14, 4, 0xc03c);
	EXPECT_NOTHING();
	/* a 64-bit BAR: reported by its lower index, either half moving */
	wr(0x1c, 4, 0x8);
	EXPECT_MOVES({ 2, 0x800000000ull, true });
	wr(0x18, 4, 0x90000000);
	EXPECT_MOVES({ 2, 0x890000000ull, true });
	wr(0x1c, 4, 0x8);
	wr(0x18, 4, 0x9000000c);
	EXPECT_NOTHING();
	assert_int_equal(size_bar(2), 0xf000000c);
	assert_int_equal(size_bar(3), 0xffffffff);
	EXPECT_NOTHING();
	wr(0x10, 4, 0);
	EXPECT_MOVES({ 0, 0, true });
}

static void test_bar_moved_on_decode_toggle(void **state)
{
	wr(0x10, 4, 0xc0000000);
	wr(0x14, 4, 0xc020);
	wr(0x18, 4, 0x90000000);
	wr(0x1c, 4, 0x8);
	EXPECT_NOTHING();
	wr(PCI_COMMAND, 2, PCI_CMD_MEM);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0000000, true }, { 2, 0x890000000ull, true });
	wr(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	fk.n_wr = 0;
	EXPECT_MOVES({ 1, 0xc020, true });
	/* unchanged decoding: nothing, whatever else changes */
	wr(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	wr(PCI_COMMAND, 2, 0x0547);
	wr(0x05, 1, 0x00);
	fk.n_wr = 0;
	EXPECT_NOTHING();
	wr(PCI_COMMAND, 2, PCI_CMD_IO);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0000000, false }, { 2, 0x890000000ull, false });
	wr(PCI_COMMAND, 2, 0);
	fk.n_wr = 0;
	EXPECT_MOVES({ 1, 0xc020, false });
	/* both at once, by a byte write */
	wr(PCI_COMMAND, 1, PCI_CMD_MEM | PCI_CMD_IO);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0000000, true }, { 1, 0xc020, true },
		     { 2, 0x890000000ull, true });
	wr(PCI_COMMAND, 4, 0);
	fk.n_wr = 0;
	EXPECT_MOVES({ 0, 0xc0000000, false }, { 1, 0xc020, false },
		     { 2, 0x890000000ull, false });
	EXPECT_NOTHING();
}

/* ---- ROM, INTx ----------------------------------------------------------- */

static void test_rom_and_interrupt_line_pin(void **state)
{
	for (unsigned off = 0x30; off < 0x34; off++)
		EXPECT_RD(off, 1, 0);
	EXPECT_RD(0x30, 4, 0);
	EXPECT_RD(0x32, 2, 0);
	for (unsigned off = 0x3c; off < 0x40; off++)
		EXPECT_RD(off, 1, 0);
	EXPECT_RD(0x3c, 4, 0);
	EXPECT_RD(0x3c, 2, 0);
	/* no ROM to size, no line to remember, nothing to the device */
	wr(0x30, 4, 0xfffff800);
	EXPECT_RD(0x30, 4, 0);
	wr(0x30, 4, 0xfea00001);
	EXPECT_RD(0x30, 4, 0);
	wr(0x3c, 1, 0x0a);
	wr(0x3c, 2, 0x010a);
	wr(0x3c, 4, 0xffffffff);
	EXPECT_RD(0x3c, 4, 0);
	EXPECT_NOTHING();
}

/* ---- the capability chain ------------------------------------------------ */

static const uint8_t WANT_CHAIN[] = { 0x40, 0x50, 0x90 };

static void check_msix_hidden(unsigned msix)
{
	for (unsigned off = msix; off < msix + 12; off++)
		EXPECT_RD(off, 1, 0);
	for (unsigned off = msix; off < msix + 12; off += 2)
		EXPECT_RD(off, 2, 0);
	for (unsigned off = msix; off < msix + 12; off += 4)
		EXPECT_RD(off, 4, 0);
}

static void test_chain_msix_middle(void **state)
{
	check_chain(WANT_CHAIN, ARRAY_SIZE(WANT_CHAIN));
	EXPECT_RD(0x50, 4, 0x00809005); /* MSI's next skips 0x70 */
	check_msix_hidden(0x70);
	EXPECT_RD(0x7c, 4, get(0x7c, 4)); /* just past it: the device's */
	/* a PM register whose second byte equals the MSI-X offset */
	EXPECT_RD(0x44, 4, 0x00007008);
	EXPECT_RD(0x45, 1, 0x70);
}

static void test_chain_msix_first(void **state)
{
	build(&L_FIRST);
	EXPECT_RD(PCI_CAP_PTR, 4, 0x40);
	EXPECT_RD(PCI_CAP_PTR, 1, 0x40);
	check_chain(WANT_CHAIN, ARRAY_SIZE(WANT_CHAIN));
	check_msix_hidden(0x70);
	EXPECT_RD(0x40, 4, 0xc8035001);
	EXPECT_RD(0x44, 4, 0x00007008);
}

static void test_chain_msix_last(void **state)
{
	build(&L_LAST);
	check_chain(WANT_CHAIN, ARRAY_SIZE(WANT_CHAIN));
	check_msix_hidden(0x70);
	EXPECT_RD(0x90, 4, 0x00020010); /* PCIe now ends the chain */
	EXPECT_RD(0x91, 1, 0);
	EXPECT_RD(0x50, 4, 0x00809005);
}

static void test_chain_no_msix(void **state)
{
	build(&L_NO_MSIX);
	check_chain(WANT_CHAIN, ARRAY_SIZE(WANT_CHAIN));
	EXPECT_RD(0x70, 4, get(0x70, 4));
	EXPECT_RD(0x00, 4, 0x10d38086);
}

static void test_msix_writes_dropped(void **state)
{
	wr(0x72, 2, 0xc000); /* enable, function mask */
	wr(0x70, 4, 0xffffffff);
	wr(0x74, 4, 0x12345678);
	wr(0x71, 1, 0x90);
	check_msix_hidden(0x70);
	EXPECT_NOTHING();
	check_chain(WANT_CHAIN, ARRAY_SIZE(WANT_CHAIN));
}

/* ---- MSI ----------------------------------------------------------------- */

static void test_msi_control(void **state)
{
	/* 64-bit from the device; MMC, MME, masking and enable hidden */
	EXPECT_RD(0x52, 2, 0x0080);
	EXPECT_RD(0x52, 1, 0x80);
	EXPECT_RD(0x53, 1, 0x00);
	EXPECT_RD(0x50, 1, PCI_CAP_MSI);
	/* address and data: the guest's, 0 so far */
	for (unsigned off = 0x54; off < 0x68; off += 4)
		EXPECT_RD(off, 4, 0);
	build(&L_MSI32);
	EXPECT_RD(0x52, 2, 0x0000);
	EXPECT_RD(0x54, 4, 0);
	EXPECT_RD(0x58, 4, 0);
	build(&L_MSI32_PVM);
	EXPECT_RD(0x52, 2, 0x0000);
	EXPECT_NOTHING();
}

static void test_msi_enable(void **state)
{
	/* enable, MME 7, the masking bit: only enable takes */
	wr(0x52, 2, 0x0171);
	EXPECT_MSI(true, 0, 0);
	EXPECT_RD(0x52, 2, 0x0081);
	wr(0x52, 2, 0x0001);
	wr(0x53, 1, 0xff);
	wr(0x50, 2, 0xffff); /* ID and next: read-only */
	EXPECT_NOTHING();
	EXPECT_RD(0x50, 4, 0x00819005);
	wr(0x52, 1, 0x80);
	EXPECT_MSI(false, 0, 0);
	EXPECT_RD(0x52, 2, 0x0080);
	wr(0x50, 4, 0x00010000);
	EXPECT_MSI(true, 0, 0);
	EXPECT_RD(0x50, 4, 0x00819005);
	wr(0x50, 4, 0x00010000);
	EXPECT_NOTHING();
	wr(0x50, 4, 0);
	EXPECT_MSI(false, 0, 0);
	EXPECT_NOTHING();
}

static void test_msi_address_data_64(void **state)
{
	wr(0x54, 4, 0xfee01004);
	EXPECT_MSI(false, 0xfee01004, 0);
	EXPECT_RD(0x54, 4, 0xfee01004);
	wr(0x54, 4, 0xfee01007); /* bits 1:0 are not the guest's */
	EXPECT_NOTHING();
	EXPECT_RD(0x54, 4, 0xfee01004);
	wr(0x58, 4, 0x00000001);
	EXPECT_MSI(false, 0x1fee01004ull, 0);
	EXPECT_RD(0x58, 4, 0x00000001);
	EXPECT_RD(0x54, 4, 0xfee01004);
	wr(0x5c, 2, 0x4041);
	EXPECT_MSI(false, 0x1fee01004ull, 0x4041);
	EXPECT_RD(0x5c, 4, 0x00004041);
	EXPECT_RD(0x5c, 2, 0x4041);
	EXPECT_RD(0x5d, 1, 0x40);
	/* byte writes merge */
	wr(0x5d, 1, 0x00);
	EXPECT_MSI(false, 0x1fee01004ull, 0x0041);
	wr(0x5c, 1, 0x30);
	EXPECT_MSI(false, 0x1fee01004ull, 0x0030);
	wr(0x56, 2, 0xfee1);
	EXPECT_MSI(false, 0x1fee11004ull, 0x0030);
	wr(0x55, 1, 0x20);
	EXPECT_MSI(false, 0x1fee12004ull, 0x0030);
	EXPECT_RD(0x54, 4, 0xfee12004);
	wr(0x5b, 1, 0x00); /* the same */
	wr(0x5e, 2, 0x0000);
	EXPECT_NOTHING();
	wr(0x58, 1, 0x00);
	EXPECT_MSI(false, 0xfee12004ull, 0x0030);
	EXPECT_RD(0x58, 4, 0);
	/* the upper half of the data dword is not data */
	wr(0x5c, 4, 0xabcd4041);
	EXPECT_MSI(false, 0xfee12004ull, 0x4041);
	EXPECT_RD(0x5c, 4, 0x00004041);
	/* enabling reports all of it */
	wr(0x52, 2, 1);
	EXPECT_MSI(true, 0xfee12004ull, 0x4041);
	/* a change while enabled */
	wr(0x5c, 2, 0x4042);
	EXPECT_MSI(true, 0xfee12004ull, 0x4042);
	EXPECT_RD(0x50, 4, 0x00819005);
	EXPECT_NOTHING();
}

static void test_msi_mask_pending_hidden(void **state)
{
	EXPECT_RD(0x60, 4, 0);
	EXPECT_RD(0x64, 4, 0);
	wr(0x60, 4, 0xffffffff);
	wr(0x64, 4, 0xffffffff);
	wr(0x60, 1, 0x01);
	EXPECT_RD(0x60, 4, 0);
	EXPECT_RD(0x64, 4, 0);
	EXPECT_NOTHING();
	EXPECT_RD(0x54, 4, 0);
	EXPECT_RD(0x58, 4, 0);
	EXPECT_RD(0x5c, 4, 0);
}

static void test_msi_32bit(void **state)
{
	build(&L_MSI32);
	assert_int_equal(fk.dev.cap_msi, 0x50);
	wr(0x54, 4, 0xfee00000);
	EXPECT_MSI(false, 0xfee00000, 0);
	/* data at +8, not an upper address */
	wr(0x58, 4, 0x00004041);
	EXPECT_MSI(false, 0xfee00000, 0x4041);
	EXPECT_RD(0x58, 4, 0x00004041);
	EXPECT_RD(0x58, 2, 0x4041);
	EXPECT_RD(0x54, 4, 0xfee00000);
	wr(0x59, 1, 0x80);
	EXPECT_MSI(false, 0xfee00000, 0x8041);
	wr(0x58, 2, 0x8041);
	EXPECT_NOTHING();
	wr(0x52, 2, 0x0001);
	EXPECT_MSI(true, 0xfee00000, 0x8041);
	EXPECT_RD(0x52, 2, 0x0001);
	EXPECT_RD(0x50, 4, 0x00019005); /* next: past MSI-X */
	/* past the capability: no MSI register */
	wr(0x5c, 4, 0x00001234);
	EXPECT_NOTHING();
	EXPECT_RD(0x58, 4, 0x00008041);
	EXPECT_RD(0x54, 4, 0xfee00000);
}

static void test_msi_32bit_maskable(void **state)
{
	build(&L_MSI32_PVM);
	wr(0x58, 2, 0x4041);
	EXPECT_MSI(false, 0, 0x4041);
	EXPECT_RD(0x58, 4, 0x4041);
	EXPECT_RD(0x5c, 4, 0); /* mask: hidden */
	EXPECT_RD(0x60, 4, 0); /* pending: hidden */
	wr(0x5c, 4, 0xffffffff);
	EXPECT_NOTHING();
	EXPECT_RD(0x58, 4, 0x4041);
	EXPECT_RD(0x5c, 4, 0);
}

/* ---- everything else ----------------------------------------------------- */

static void test_writes_elsewhere_dropped(void **state)
{
	uint32_t before[64];

	program();
	for (unsigned k = 0; k < 64; k++)
		before[k] = rd(4 * k, 4);
	for (unsigned off = 0; off < 256; off++) {
		for (unsigned size = 1; size <= 4; size *= 2) {
			unsigned reg = off & ~3u;

			if (off % size)
				continue;
			if (reg == PCI_COMMAND && (off & 3) < 2)
				continue; /* the command register */
			if (reg >= PCI_BAR0 && reg < 0x28 && size == 4)
				continue;
			if (reg >= 0x50 && reg < 0x60)
				continue; /* MSI header, address, data */
			wr(off, size, 0xffffffffu >> (32 - 8 * size));
			wr(off, size, 0);
			wr(off, size, 0x5a5a5a5au >> (32 - 8 * size));
		}
	}
	EXPECT_NOTHING();
	for (unsigned k = 0; k < 64; k++)
		if (rd(4 * k, 4) != before[k])
			fail_msg("offset %#x: %#x, was %#x", 4 * k, rd(4 * k, 4),
				 before[k]);
}

/* ---- MSI capabilities shorter than 24 bytes ------------------------------ */

/* An MSI capability is 10, 14, 20 or 24 bytes; whatever follows the real
 * length (often the next capability) is the device's, not MSI's. */

static const uint8_t WANT_82574[] = { 0xc8, 0xd0, 0xe0 };

static void test_msi_64bit_unmaskable_next_visible(void **state)
{
	build(&L_82574);
	check_chain(WANT_82574, ARRAY_SIZE(WANT_82574));
	EXPECT_RD(0xe0, 4, 0x00020010);
	EXPECT_RD(0xe4, 4, 0x10008cc1);
	check_passthrough(&L_82574);
}

static const uint8_t WANT_TIGHT[] = { 0x40, 0x50, 0x5c };

static void test_msi_32bit_next_visible(void **state)
{
	build(&L_MSI32_TIGHT);
	check_chain(WANT_TIGHT, ARRAY_SIZE(WANT_TIGHT));
	EXPECT_RD(0x5c, 4, 0x00020010); /* PCIe; its next, MSI-X, skipped */
	check_passthrough(&L_MSI32_TIGHT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ids_class_header),
		T(test_command_initial_and_status),
		T(test_command_forwarded),
		T(test_command_byte_writes),
		T(test_reads_agree_all_sizes),
		T(test_passthrough_msix_middle),
		T(test_passthrough_msix_first),
		T(test_passthrough_msix_last),
		T(test_passthrough_no_msix),
		T(test_bar_mem32),
		T(test_bar_io),
		T(test_bar_mem64_256m),
		T(test_bar_mem64_4g),
		T(test_bar_unimplemented),
		T(test_bar_non_dword_writes_ignored),
		T(test_bar_moved_not_while_decode_off),
		T(test_bar_moved_on_move),
		T(test_bar_moved_on_decode_toggle),
		T(test_rom_and_interrupt_line_pin),
		T(test_chain_msix_middle),
		T(test_chain_msix_first),
		T(test_chain_msix_last),
		T(test_chain_no_msix),
		T(test_msix_writes_dropped),
		T(test_msi_control),
		T(test_msi_enable),
		T(test_msi_address_data_64),
		T(test_msi_mask_pending_hidden),
		T(test_msi_32bit),
		T(test_msi_32bit_maskable),
		T(test_writes_elsewhere_dropped),
		T(test_msi_64bit_unmaskable_next_visible),
		T(test_msi_32bit_next_visible),
	};

	return cmocka_run_group_tests_name("vpt", tests, NULL, NULL);
}
