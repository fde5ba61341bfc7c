/*
 * acpi_tables.h - the ACPI table layouts dormant reads (ACPI 6.x, chapter 5.2).
 * Only what acpi.c uses; offsets checked against the specification's tables.
 */
#ifndef DORMANT_ACPI_TABLES_H
#define DORMANT_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* 5.2.5.3 Root System Description Pointer */
struct __attribute__((packed)) acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	uint8_t checksum;	/* first 20 bytes */
	char oem_id[6];
	uint8_t revision;	/* 0: ACPI 1.0, 2: ACPI 2.0+ */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;	/* whole structure */
	uint8_t reserved[3];
};
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
_Static_assert(offsetof(struct acpi_rsdp, xsdt) == 24, "RSDP XsdtAddress");
#define ACPI_RSDP_V1_LEN	20

/* 5.2.6 System Description Table Header */
struct __attribute__((packed)) acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_header) == 36, "table header size");

/* 5.2.3.2 Generic Address Structure */
struct __attribute__((packed)) acpi_gas {
	uint8_t space_id;	/* 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");

/* 5.2.9 Fixed ACPI Description Table (fields up to SLEEP_STATUS_REG) */
struct __attribute__((packed)) acpi_fadt {
	struct acpi_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk;
	uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat;
	uint16_t flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
};
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT DSDT");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "FADT PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "FADT PM_TMR_LEN");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
_Static_assert(sizeof(struct acpi_fadt) == 268, "FADT up to SLEEP_STATUS_REG");

#define FADT_TMR_VAL_EXT	(1u << 8)
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED_ACPI	(1u << 20)

/* 5.2.12 Multiple APIC Description Table */
struct __attribute__((packed)) acpi_madt {
	struct acpi_header hdr;
	uint32_t lapic_addr;
	uint32_t flags;
};
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header");

struct __attribute__((packed)) acpi_madt_entry {
	uint8_t type;
	uint8_t length;
};
#define MADT_LAPIC		0	/* 5.2.12.2: flags at offset 4 */
#define MADT_LAPIC_OVERRIDE	5	/* 5.2.12.8: address at offset 4 */
#define MADT_X2APIC		9	/* 5.2.12.12: flags at offset 8 */
#define MADT_LAPIC_ENABLED	(1u << 0)
#define MADT_LAPIC_ONLINE_CAP	(1u << 1)

/* IA-PC HPET specification 1.0a, 3.2.4: the HPET description table. */
struct __attribute__((packed)) acpi_hpet {
	struct acpi_header hdr;
	uint32_t event_timer_block_id;
	struct acpi_gas base;
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
};
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table");

#endif
