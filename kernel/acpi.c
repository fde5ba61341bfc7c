/*
 * acpi.c - find and read the ACPI tables dormant needs: FADT (power
 * management ports, reset register, PM timer, DSDT), MADT (CPU count,
 * local APIC address), HPET, and the \_S4 / \_S5 sleep types in the DSDT
 * or an SSDT.  Tables come from firmware: lengths and checksums are checked,
 * and a bad table is reported and skipped.
 */
#include <string.h>

#include "acpi_tables.h"
#include "aml.h"
#include "kernel.h"

#define GAS_SYSTEM_IO	1
#define MAX_TABLE_LEN	(16 * MiB)

struct acpi_info acpi;

static uint64_t tables[64];

static uint8_t sum(const void *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s;
}

static const struct acpi_header *table_at(uint64_t pa)
{
	const struct acpi_header *h = (const void *)(uintptr_t)pa;
	if (!pa || !paging_is_mapped(pa))
		return NULL;
	if (h->length < sizeof(*h) || h->length > MAX_TABLE_LEN) {
		kprintf("acpi: table at 0x%lx has a bad length %u, ignored\n", pa, h->length);
		return NULL;
	}
	if (sum(h, h->length) != 0) {
		kprintf("acpi: table %.4s at 0x%lx fails its checksum, ignored\n",
			h->signature, pa);
		return NULL;
	}
	return h;
}

static const struct acpi_header *find(const char sig[4], uint32_t nth)
{
	for (uint32_t i = 0; i < acpi.ntables; i++) {
		const struct acpi_header *h = (const void *)(uintptr_t)tables[i];
		if (memcmp(h->signature, sig, 4) == 0 && nth-- == 0)
			return h;
	}
	return NULL;
}

static void read_root(uint64_t rsdp_pa)
{
	const struct acpi_rsdp *rsdp = (const void *)(uintptr_t)rsdp_pa;

	if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0 ||
	    sum(rsdp, ACPI_RSDP_V1_LEN) != 0) {
		kprintf("acpi: RSDP at 0x%lx is invalid\n", rsdp_pa);
		return;
	}
	acpi.rsdp_revision = rsdp->revision;
	bool x = rsdp->revision >= 2 && rsdp->xsdt &&
		 sum(rsdp, sizeof(*rsdp)) == 0;
	const struct acpi_header *root = table_at(x ? rsdp->xsdt : rsdp->rsdt);
	if (!root)
		return;
	size_t esize = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *e = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n && acpi.ntables < ARRAY_SIZE(tables); i++) {
		uint64_t pa = 0;
		memcpy(&pa, e + i * esize, esize);
		if (table_at(pa))
			tables[acpi.ntables++] = pa;
	}
}

static void read_fadt(void)
{
	struct acpi_fadt f;
	const struct acpi_header *h = find("FACP", 0);

	if (!h)
		return;
	/* Older FADTs are shorter: missing fields read as zero. */
	memset(&f, 0, sizeof(f));
	memcpy(&f, h, h->length < sizeof(f) ? h->length : sizeof(f));
	acpi.dsdt = f.x_dsdt ? f.x_dsdt : f.dsdt;
	acpi.hw_reduced = f.flags & FADT_HW_REDUCED_ACPI;
	acpi.pm1a_cnt = f.x_pm1a_cnt_blk.space_id == GAS_SYSTEM_IO && f.x_pm1a_cnt_blk.address
			? (uint32_t)f.x_pm1a_cnt_blk.address : f.pm1a_cnt_blk;
	acpi.pm1b_cnt = f.x_pm1b_cnt_blk.space_id == GAS_SYSTEM_IO && f.x_pm1b_cnt_blk.address
			? (uint32_t)f.x_pm1b_cnt_blk.address : f.pm1b_cnt_blk;
	acpi.pm1a_evt = f.x_pm1a_evt_blk.space_id == GAS_SYSTEM_IO && f.x_pm1a_evt_blk.address
			? (uint32_t)f.x_pm1a_evt_blk.address : f.pm1a_evt_blk;
	acpi.pm1_evt_len = f.pm1_evt_len;
	if (f.pm_tmr_len == 4)
		acpi.pm_tmr_port = f.x_pm_tmr_blk.space_id == GAS_SYSTEM_IO && f.x_pm_tmr_blk.address
				   ? (uint32_t)f.x_pm_tmr_blk.address : f.pm_tmr_blk;
	acpi.pm_tmr_32bit = f.flags & FADT_TMR_VAL_EXT;
	if (f.sleep_control_reg.space_id == GAS_SYSTEM_IO && f.sleep_control_reg.address) {
		acpi.sleep_ctl = f.sleep_control_reg.address;
		acpi.sleep_ctl_space = f.sleep_control_reg.space_id;
	}
	if (f.flags & FADT_RESET_REG_SUP && f.reset_reg.address) {
		acpi.reset_supported = true;
		acpi.reset_space = f.reset_reg.space_id;
		acpi.reset_addr = f.reset_reg.address;
		acpi.reset_value = f.reset_value;
	}
}

static void read_madt(void)
{
	const struct acpi_header *h = find("APIC", 0);
	if (!h || h->length < sizeof(struct acpi_madt))
		return;
	const struct acpi_madt *m = (const void *)h;
	acpi.lapic_base = m->lapic_addr;
	const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)h + h->length;
	while (p + 2 <= end) {
		uint8_t type = p[0], len = p[1];
		if (len < 2 || p + len > end)
			break;
		uint32_t flags = 0;
		if (type == MADT_LAPIC && len >= 8)
			memcpy(&flags, p + 4, 4);
		else if (type == MADT_X2APIC && len >= 12)
			memcpy(&flags, p + 8, 4);
		else if (type == MADT_LAPIC_OVERRIDE && len >= 12)
			memcpy(&acpi.lapic_base, p + 4, 8);
		if (flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAP))
			acpi.ncpus++;
		p += len;
	}
}

static void read_hpet(void)
{
	const struct acpi_header *h = find("HPET", 0);
	if (!h || h->length < sizeof(struct acpi_hpet))
		return;
	const struct acpi_hpet *t = (const void *)h;
	if (t->base.space_id == 0 && t->base.address)
		acpi.hpet_base = t->base.address;
}

/* \_Sx in the DSDT, else in any SSDT. */
static bool sleep_type(int state, uint8_t *a, uint8_t *b)
{
	struct aml_sleep_type st;
	const struct acpi_header *h = table_at(acpi.dsdt);

	for (uint32_t nth = 0; h; h = find("SSDT", nth++)) {
		enum aml_result r = aml_sleep_type((const uint8_t *)h, h->length, state, &st);
		if (r == AML_FOUND) {
			*a = st.typ_a;
			*b = st.typ_b;
			return true;
		}
		if (r == AML_MALFORMED)
			kprintf("acpi: \\_S%d in %.4s is not a package of integers\n",
				state, h->signature);
	}
	return false;
}

void acpi_init(uint64_t rsdp)
{
	if (!rsdp) {
		kprintf("acpi: no RSDP from firmware; no power-off, no S4\n");
		return;
	}
	read_root(rsdp);
	read_fadt();
	read_madt();
	read_hpet();
	const struct acpi_header *d = table_at(acpi.dsdt);
	acpi.dsdt_len = d ? d->length : 0;
	acpi.s4 = sleep_type(4, &acpi.s4_typ_a, &acpi.s4_typ_b);
	acpi.s5 = sleep_type(5, &acpi.s5_typ_a, &acpi.s5_typ_b);
	if (acpi.ncpus == 0)
		acpi.ncpus = 1;
	kprintf("acpi: rev %u, %u tables, %u CPUs (BSP only), S4 %s, S5 %s, %s%s\n",
		acpi.rsdp_revision, acpi.ntables, acpi.ncpus, acpi.s4 ? "yes" : "no",
		acpi.s5 ? "yes" : "no", acpi.hpet_base ? "hpet" : "no hpet",
		acpi.pm_tmr_port ? ", pm timer" : "");
}

void acpi_dump_dsdt(void)
{
	const uint8_t *p = (const void *)(uintptr_t)acpi.dsdt;
	if (!acpi.dsdt_len) {
		kprintf("acpidump: no DSDT\n");
		return;
	}
	kprintf("acpidump: DSDT %u bytes\n", acpi.dsdt_len);
	for (uint32_t off = 0; off < acpi.dsdt_len; off += 32) {
		char line[80];
		int n = 0;
		for (uint32_t i = off; i < off + 32 && i < acpi.dsdt_len; i++)
			n += ksnprintf(line + n, sizeof(line) - (size_t)n, "%02x", p[i]);
		kprintf("acpidump: %s\n", line);
	}
	kprintf("acpidump: end\n");
}
