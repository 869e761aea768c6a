#!/usr/bin/env python3
"""Writes reference/vectors/amd-vi/*.vec.json from the AMD IOMMU specification's layouts (#48882), not from the C# model.

Sources for every constant: AMD I/O Virtualization Technology (IOMMU) Specification #48882 §2.2.2 (DTE),
§2.2.3 (v1 page tables), §2.2.5 (interrupt remapping), §2.4 (commands), §2.5 (event log), §3.4 (MMIO registers),
with bit positions as in Linux drivers/iommu/amd/amd_iommu_types.h and QEMU hw/i386/amd_iommu.h.
"""
import json, os, sys
OUT = sys.argv[1] if len(sys.argv) > 1 else "reference/vectors/amd-vi"
os.makedirs(OUT, exist_ok=True)
H = hex

# ---- §3.4 MMIO offsets ----
DEVTAB, CMDBUF, EVTLOG, CONTROL, EXCL_BASE, EXCL_LIMIT, EFR = 0x0, 0x8, 0x10, 0x18, 0x20, 0x28, 0x30
INTCAPXT_EVT = 0x170
CMD_HEAD, CMD_TAIL, EVT_HEAD, EVT_TAIL, STATUS = 0x2000, 0x2008, 0x2010, 0x2018, 0x2020
# Control bits
IOMMU_EN, EVT_LOG_EN, EVT_INT_EN, COMWAIT_INT_EN, CMDBUF_EN, GT_EN, INTCAPXT_EN = 1 << 0, 1 << 2, 1 << 3, 1 << 4, 1 << 12, 1 << 16, 1 << 51
# Status bits
EVT_OVF, EVT_INT, COMWAIT_INT, EVT_RUN, CMDBUF_RUN = 1, 2, 4, 8, 16
# Event codes (§2.5.2)
ILLEGAL_DTE, IO_PAGE_FAULT, DEV_TAB_HW, PAGE_TAB_HW, ILLEGAL_CMD, CMD_HW, INV_DEV_REQ = 1, 2, 3, 4, 5, 6, 8
# IO_PAGE_FAULT flags (bit positions in the entry)
GN, US, I, PR, RW, PE, RZ = 1 << 48, 1 << 50, 1 << 51, 1 << 52, 1 << 53, 1 << 54, 1 << 55
# Command opcodes (§2.4)
COMPLETION_WAIT, INV_DEVTAB, INV_PAGES, INV_IOTLB, INV_INTTAB, INV_ALL = 1, 2, 3, 4, 5, 8

MMIO = 0xfeb80000
DEV = "0000:00:03.0"; DEV_ID = 0x18
DEV2 = "0000:00:04.0"; DEV2_ID = 0x20
IR_, IW_ = 1 << 61, 1 << 62


def dte_q0(root, mode, ir=True, iw=True, tv=True, v=True):
    return (1 if v else 0) | (2 if tv else 0) | (mode << 9) | root | (IR_ if ir else 0) | (IW_ if iw else 0)


def dte_q2(table, length=4, intctl=2, nmi=False):
    return 1 | (length << 1) | table | (intctl << 60) | ((1 << 58) if nmi else 0)


def evt_lo(code, devid, dom=0, flags=0):
    return devid | (dom << 32) | flags | (code << 60)


class V:
    def __init__(self, name, desc, levels=4, gt=False, devices=(DEV, DEV2), ga=None):
        self.name, self.desc = name, desc
        self.unit = {"id": "ivhd0", "mmio": H(MMIO), "levels": levels, "gt": gt}
        if ga is not None: self.unit["ga"] = ga
        self.devices = devices
        self.steps = []
        self.next = 0x1000000
        self.tables = {}
        self.ctl = 0
        self.cmd_tail = 0
        self.evts = 0

    def page(self, n=1):
        p = self.next; self.next += 0x1000 * n; return p

    def add(self, d, comment=None):
        if comment: d["comment"] = comment
        self.steps.append(d); return d

    def mw(self, addr, value, width=8, comment=None):
        self.add({"op": "mem.write", "addr": H(addr), "width": width, "value": H(value)}, comment)

    def mr(self, addr, expect, width=8, mask=None, comment=None):
        d = {"op": "mem.read", "addr": H(addr), "width": width}
        if mask is not None: d["mask"] = H(mask)
        d["expect"] = H(expect)
        self.add(d, comment)

    def rw(self, off, value, width=8, comment=None):
        self.add({"op": "mmio.write", "unit": "ivhd0", "offset": H(off), "width": width, "value": H(value)}, comment)

    def rr(self, off, expect, width=8, mask=None, comment=None):
        d = {"op": "mmio.read", "unit": "ivhd0", "offset": H(off), "width": width}
        if mask is not None: d["mask"] = H(mask)
        d["expect"] = H(expect)
        self.add(d, comment)

    def control(self, set_=0, clear=0):
        self.ctl = (self.ctl | set_) & ~clear
        self.rw(CONTROL, self.ctl, comment="IOMMU control")

    def enable(self, dt_size=7, evt_len=8):
        self.dt = self.page(dt_size + 1)
        self.cmdbuf = self.page()
        self.evtlog = self.page(1 << (evt_len - 8))
        self.rw(DEVTAB, self.dt | dt_size, comment=f"device table base, Size={dt_size} ({(dt_size + 1) * 128} entries)")
        self.rw(CMDBUF, self.cmdbuf | (8 << 56), comment="command buffer base, ComLen=8 (256 entries)")
        self.rw(EVTLOG, self.evtlog | (evt_len << 56), comment=f"event log base, EventLen={evt_len}")
        self.control(IOMMU_EN | CMDBUF_EN | EVT_LOG_EN)
        self.rr(STATUS, EVT_RUN | CMDBUF_RUN, mask=EVT_RUN | CMDBUF_RUN, comment="EventLogRun and CmdBufRun")

    def dte(self, devid, q0, q1=0, q2=0, q3=0, comment=None):
        a = self.dt + devid * 32
        for i, q in enumerate((q0, q1, q2, q3)):
            self.mw(a + 8 * i, q, comment=(comment or f"DTE {devid:#x} quadword {i}") if i == 0 else None)

    def domain(self, devid=DEV_ID, mode=4, dom=5, **kw):
        top = self.page()
        self.dte(devid, dte_q0(top, mode, **kw), dom, comment=f"DTE {devid:#x}: V TV Mode={mode} IR IW, DomainID={dom}")
        return top

    def map(self, top, levels, iova, pa, page_level=1, ir=True, iw=True, nl=0):
        table = top
        for level in range(levels, page_level, -1):
            idx = (iova >> (12 + 9 * (level - 1))) & 0x1ff
            if (table, idx) not in self.tables:
                nt = self.page()
                self.tables[(table, idx)] = nt
                self.mw(table + idx * 8, nt | ((level - 1) << 9) | IR_ | IW_ | 1, comment=f"level-{level} PDE: NextLevel {level - 1}, PR")
            table = self.tables[(table, idx)]
        at = table + ((iova >> (12 + 9 * (page_level - 1))) & 0x1ff) * 8
        self.mw(at, pa | (nl << 9) | (IR_ if ir else 0) | (IW_ if iw else 0) | 1, comment=f"level-{page_level} PTE (NextLevel {nl}): {iova:#x} -> {pa:#x}")
        return at

    def entry(self, top, levels, iova, level):
        table = top
        for l in range(levels, level, -1):
            table = self.tables[(table, (iova >> (12 + 9 * (l - 1))) & 0x1ff)]
        return table + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8

    def cmd(self, q0, q1=0, comment=None):
        a = self.cmdbuf + self.cmd_tail
        self.mw(a, q0, comment=comment)
        self.mw(a + 8, q1)
        self.cmd_tail = (self.cmd_tail + 16) % 4096
        self.rw(CMD_TAIL, self.cmd_tail, comment="command tail")

    def tick(self, n=1):
        self.add({"op": "tick", "count": n})

    def dma(self, rid, addr, write=False, expect=None, comment=None, value=0x5a5a5a5a, pasid=None):
        d = {"op": "dma", "rid": rid, "addr": H(addr), "width": 4, "dir": "write" if write else "read"}
        if pasid is not None: d["pasid"] = pasid
        if write: d["value"] = H(value)
        if expect: d["expect"] = {k: (H(v) if isinstance(v, int) else v) for k, v in expect.items()}
        self.add(d, comment)

    def ok(self, rid, addr, pa, write=False, comment=None):
        self.dma(rid, addr, write, {"result": "ok", "pa": pa}, comment)

    def fault(self, rid, addr, event="IO_PAGE_FAULT", write=False, comment=None, pasid=None):
        self.dma(rid, addr, write, {"result": "fault", "event": event}, comment, pasid=pasid)

    def event(self, lo, hi, comment=None):
        """The next event log entry (16 bytes: code 63:60, address in the second quadword)."""
        a = self.evtlog + 16 * self.evts
        self.evts += 1
        self.mr(a, lo, comment=comment or f"event log entry {self.evts - 1}")
        self.mr(a + 8, hi)
        self.rr(EVT_TAIL, 16 * self.evts, comment="event log tail")

    def msi(self, rid, data, expect, addr=0xfee00000, comment=None):
        self.add({"op": "msi", "rid": rid, "addr": H(addr), "data": H(data),
                  "expect": {k: (H(v) if isinstance(v, int) else v) for k, v in expect.items()}}, comment)

    def interrupts(self, lst, comment=None):
        self.add({"op": "interrupts", "expect": {"delivered": [{"dest": H(a), "vector": H(b)} for a, b in lst]}}, comment)

    def write(self):
        doc = {"name": self.name, "platform": "amd-vi", "description": self.desc,
               "memory": [{"base": "0x0", "size": "1GiB"}], "units": [self.unit],
               "topology": {"devices": [{"bdf": b, "kind": "rc-endpoint", "vendor": "0x1022", "device": "0x1234"} for b in self.devices]},
               "steps": self.steps}
        with open(os.path.join(OUT, self.name + ".vec.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


ALL = []
def vec(f): ALL.append(f); return f

# ------------------------------------------------------------------------- registers
for levels, gt in ((4, False), (5, False), (6, True)):
    def mk(levels=levels, gt=gt):
        v = V(f"amdvi-efr-levels-{levels}{'-gt' if gt else ''}", f"§3.4.7 EFR reports HATS={levels - 4} ({levels} levels), XTSup, IASup{', GTSup, GATS=1, GLXSup=2, PASmax=15' if gt else ''}; no PrefSup/PPRSup; the register is read-only.", levels=levels, gt=gt)
        efr = (1 << 2) | (1 << 6) | ((levels - 4) << 10) | (((1 << 4) | (1 << 12) | (2 << 14) | (0xf << 32)) if gt else 0)  # GTSup, GATS=1, GLXSup=2, PASmax=15
        v.rr(EFR, efr, mask=0xf_0000_ffff, comment="EFR: XTSup 2, GTSup 4, IASup 6, HATS 11:10, PASmax 36:32")
        v.rw(EFR, 0)
        v.rr(EFR, efr, mask=0xf_0000_ffff, comment="read-only")
        v.write()
    vec(mk)

@vec
def _():
    v = V("amdvi-register-masks", "§3.4: device table base keeps 51:12 and Size 8:0; head/tail pointers keep 18:4; the Run status bits follow IOMMUEn with EventLogEn/CmdBufEn and are read-only; the interrupt bits are RW1C.")
    v.rw(DEVTAB, 0xffffffffffffffff)
    v.rr(DEVTAB, 0x000ffffffffff1ff)
    v.rw(CMD_TAIL, 0xfffffffffff80fff, comment="only bits 18:4 are the pointer")
    v.rr(CMD_TAIL, 0xff0)
    v.rw(CMD_TAIL, 0)
    v.rr(STATUS, 0, comment="nothing runs before IOMMUEn")
    v.enable()
    v.rw(STATUS, 0xffffffffffffffff, comment="Run bits are read-only")
    v.rr(STATUS, EVT_RUN | CMDBUF_RUN, 4)
    v.control(clear=IOMMU_EN)
    v.rr(STATUS, 0, 4, comment="IOMMUEn=0 stops both")
    v.write()

# ------------------------------------------------------------------------- host walk
for mode in (1, 2, 3, 4, 5, 6):
    def mk(mode=mode):
        v = V(f"amdvi-walk-mode-{mode}-4k", f"§2.2.3: a DTE with Mode={mode} walks {mode} levels to a 4 KiB page (NextLevel 0 at level 1); the first address above {12 + 9 * mode} bits is an IO_PAGE_FAULT.", levels=max(4, mode))
        v.enable()
        top = v.domain(mode=mode)
        iova = (1 << min(63, 12 + 9 * mode - 1)) | 0x5000 if mode > 1 else 0x5000
        v.map(top, mode, iova, 0x3a7000)
        v.ok(DEV, iova + 0x10, 0x3a7010, write=True)
        v.dma(DEV, iova + 0x10, expect={"result": "ok", "pa": 0x3a7010, "value": 0x5a5a5a5a})
        if mode < 6:
            v.fault(DEV, 1 << (12 + 9 * mode), comment="one bit above the Mode's width")
        v.write()
    vec(mk)

@vec
def _():
    v = V("amdvi-2m-and-1g-pages-nextlevel-0", "§2.2.3: NextLevel=0 in a level-2 entry maps a 2 MiB page, in a level-3 entry a 1 GiB page; the offset within the page is kept.")
    v.enable(); top = v.domain()
    v.map(top, 4, 0x40200000, 0x600000, page_level=2)
    v.map(top, 4, 0x80000000, 0x0, page_level=3)
    v.ok(DEV, 0x40212344, 0x612344)
    v.ok(DEV, 0x403ffffc, 0x7ffffc, write=True)
    v.ok(DEV, 0x8a345678, 0x0a345678)
    v.fault(DEV, 0x40400000, comment="next 2 MiB: not present")
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5), 0x40400000, comment="IO_PAGE_FAULT, PR=0, DomainID 5")
    v.write()

for level, shift in ((1, 13), (1, 16), (2, 22)):
    def mk(level=level, shift=shift):
        size = 1 << shift
        v = V(f"amdvi-nextlevel-7-{size // 1024}k-page", f"§2.2.3.2 Table 14: NextLevel=7 in a level-{level} entry maps a 2^{shift}-byte page whose size is encoded by the ones below the first zero address bit; the entries covering it are replicated.")
        v.enable(); top = v.domain()
        iova, pa = size * 3, size * 5
        enc = pa | (((size >> 1) - 1) & ~0xfff)
        for off in range(0, size, 1 << (12 + 9 * (level - 1))):
            v.map(top, 4, iova + off, enc, page_level=level, nl=7)
        v.ok(DEV, iova + size - 4, pa + size - 4)
        v.ok(DEV, iova + 8, pa + 8, write=True)
        v.write()
    vec(mk)

@vec
def _():
    v = V("amdvi-nextlevel-7-size-not-above-level", "§2.2.3.2: a NextLevel=7 entry at level 2 encoding a 1 MiB page (not larger than the level's 2 MiB) is invalid: IO_PAGE_FAULT with PR (VBox: RZ stays clear for level encodings).")
    v.enable(); top = v.domain()
    v.map(top, 4, 0x200000, 0x400000 | 0x7f000, page_level=2, nl=7)
    v.fault(DEV, 0x200000)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, PR), 0x200000)
    v.write()

@vec
def _():
    v = V("amdvi-level-skip", "§2.2.3: a level-4 PDE with NextLevel=1 skips levels 3 and 2; addresses whose skipped index bits are zero translate, others are IO_PAGE_FAULT (PR).")
    v.enable(); top = v.domain()
    l1 = v.page()
    v.mw(top, l1 | (1 << 9) | IR_ | IW_ | 1, comment="level-4 PDE: NextLevel 1")
    v.mw(l1 + 5 * 8, 0x777000 | IR_ | IW_ | 1, comment="level-1 PTE index 5")
    v.ok(DEV, 0x5010, 0x777010)
    v.fault(DEV, 0x205010, comment="level-2 index 1 is not zero")
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, PR), 0x205010)
    v.write()

@vec
def _():
    v = V("amdvi-nextlevel-not-below", "§2.2.3: a PDE whose NextLevel is not below its own level is invalid: IO_PAGE_FAULT.")
    v.enable(); top = v.domain(mode=3)
    v.mw(top, v.page() | (3 << 9) | IR_ | IW_ | 1, comment="level-3 PDE with NextLevel 3")
    v.fault(DEV, 0x1000)
    v.write()

@vec
def _():
    v = V("amdvi-io-page-fault-entry-fields", "§2.5.3 IO_PAGE_FAULT: DeviceID 15:0, DomainID 47:32, RW 53 for writes, code 2 in 63:60, address in the second quadword.")
    v.enable(); v.domain(mode=3, dom=0x42)
    v.fault(DEV, 0x2008, write=True)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 0x42, RW), 0x2008)
    v.fault(DEV, 0x3000)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 0x42), 0x3000)
    v.write()

@vec
def _():
    v = V("amdvi-rights-anded-down-the-walk", "§2.2.3: IR/IW are AND-ed from the DTE through every level: a level-3 PDE with IW=0 makes its pages read-only (PR, PE, RW).")
    v.enable(); top = v.domain(mode=3)
    v.map(top, 3, 0x7000, 0x3a7000)
    v.mw(top, v.tables[(top, 0)] | (2 << 9) | IR_ | 1, comment="level-3 PDE: IR only")
    v.ok(DEV, 0x7000, 0x3a7000)
    v.fault(DEV, 0x7000, write=True)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, PR | PE | RW), 0x7000)
    v.write()

@vec
def _():
    v = V("amdvi-dte-iw-clear", "§2.2.2: DTE IW=0 denies writes through an otherwise writable walk.")
    v.enable(); top = v.domain(mode=3, iw=False)
    v.map(top, 3, 0x7000, 0x3a7000)
    v.ok(DEV, 0x7000, 0x3a7000)
    v.fault(DEV, 0x7000, write=True)
    v.write()

@vec
def _():
    v = V("amdvi-dte-v0-passthrough-tv0-fault", "§2.2.2.1: V=0 passes requests untranslated; V=1 with TV=0 is an IO_PAGE_FAULT.")
    v.enable()
    v.ok(DEV, 0x123450, 0x123450, comment="DTE all zero: V=0")
    v.dte(DEV2_ID, dte_q0(v.page(), 3, tv=False), 9)
    v.fault(DEV2, 0x123450)
    v.event(evt_lo(IO_PAGE_FAULT, DEV2_ID, 9), 0x123450)
    v.write()

@vec
def _():
    v = V("amdvi-mode-0-ir-iw", "§2.2.2.1: Mode=0 does not translate; DTE IR/IW decide the access.")
    v.enable()
    v.dte(DEV_ID, dte_q0(0, 0, ir=True, iw=False), 3)
    v.ok(DEV, 0x5678, 0x5678)
    v.fault(DEV, 0x5678, write=True)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 3, PR | PE | RW), 0x5678)
    v.write()

@vec
def _():
    v = V("amdvi-mode-7-and-above-hats", "§2.2.2.1: Mode 7 is reserved and Mode 5 exceeds HATS (4 levels): both are IO_PAGE_FAULTs.")
    v.enable()
    v.dte(DEV_ID, dte_q0(v.page(), 7), 3)
    v.dte(DEV2_ID, dte_q0(v.page(), 5), 4)
    v.fault(DEV, 0x1000)
    v.fault(DEV2, 0x1000)
    v.write()

@vec
def _():
    v = V("amdvi-dte-reserved-bits-illegal", "§2.2.2 / §2.5.2: a valid DTE with reserved bits (bit 2; GV with EFR.GTSup=0) logs ILLEGAL_DEV_TABLE_ENTRY (code 1, RZ).")
    v.enable()
    v.dte(DEV_ID, dte_q0(v.page(), 3) | (1 << 2), 1)
    v.dte(DEV2_ID, dte_q0(v.page(), 3) | (1 << 55), 2)
    v.fault(DEV, 0x1000, "ILLEGAL_DEV_TABLE_ENTRY")
    v.event(evt_lo(ILLEGAL_DTE, DEV_ID, 0, RZ), 0x1000)
    v.fault(DEV2, 0x2000, "ILLEGAL_DEV_TABLE_ENTRY", write=True)
    v.event(evt_lo(ILLEGAL_DTE, DEV2_ID, 0, RZ | RW), 0x2000)
    v.write()

@vec
def _():
    v = V("amdvi-gv-with-gt-enabled", "§2.2.2/§2.2.6: with EFR.GTSup and Control.GTEn, a DTE with GV=1 still translates requests without a PASID through the host table; requests with a PASID go through the guest tables (amdvi-gt-* vectors).", gt=True)
    v.enable()
    v.control(GT_EN)
    top = v.page()
    v.dte(DEV_ID, dte_q0(top, 3) | (1 << 55), 5)
    v.map(top, 3, 0x1000, 0x9000)
    v.ok(DEV, 0x1000, 0x9000)
    v.write()

@vec
def _():
    v = V("amdvi-deviceid-beyond-table", "§3.4.1: a DeviceID beyond (Size+1)*4 KiB / 32 entries is an IO_PAGE_FAULT.")
    v.devices = (DEV, "0000:02:00.0")
    v.enable(dt_size=0)
    v.fault("0000:02:00.0", 0x1000)
    v.event(evt_lo(IO_PAGE_FAULT, 0x200), 0x1000)
    v.write()

@vec
def _():
    v = V("amdvi-hardware-errors", "§2.5.4/§2.5.5: an unbacked page table logs PAGE_TAB_HARDWARE_ERROR (code 4, Type 1 master abort, address of the entry); an unbacked device table DEV_TAB_HARDWARE_ERROR (code 3, address of the DTE).")
    v.enable()
    v.dte(DEV_ID, dte_q0(0x90000000, 3), 5)
    v.fault(DEV, 0x1000, "PAGE_TAB_HARDWARE_ERROR")
    v.event(evt_lo(PAGE_TAB_HW, DEV_ID, 5) | (1 << 57), 0x90000000)
    v.rw(DEVTAB, 0x80000000 | 7, comment="device table moved to unbacked memory")
    v.fault(DEV2, 0x1000, "DEV_TAB_HARDWARE_ERROR")
    v.event(evt_lo(DEV_TAB_HW, DEV2_ID) | (1 << 57), 0x80000000 + DEV2_ID * 32)
    v.write()

@vec
def _():
    v = V("amdvi-exclusion-range", "§3.4.5: with ExEn, addresses in [base, limit|0xfff] pass untranslated when Allow=1 or the DTE's EX bit is set.")
    v.enable(); v.domain(mode=3)
    v.rw(EXCL_BASE, 0x100000 | 1)
    v.rw(EXCL_LIMIT, 0x1ff000)
    v.fault(DEV, 0x100040, comment="EX=0, Allow=0")
    v.dte(DEV2_ID, dte_q0(v.page(), 3), 6 | (1 << 39))
    v.ok(DEV2, 0x1ffffc, 0x1ffffc, comment="EX=1")
    v.rw(EXCL_BASE, 0x100000 | 3)
    v.ok(DEV, 0x100040, 0x100040, comment="Allow=1")
    v.fault(DEV, 0x200000, comment="above the limit")
    v.write()

@vec
def _():
    v = V("amdvi-iommu-disabled", "§3.4.4: with IOMMUEn=0 requests pass untranslated whatever the device table says.")
    v.enable(); v.domain(mode=3)
    v.fault(DEV, 0xabc0)
    v.control(clear=IOMMU_EN)
    v.ok(DEV, 0xabc0, 0xabc0)
    v.write()

@vec
def _():
    v = V("amdvi-sa-suppresses-log", "§2.2.2: DTE SA (bit 98) suppresses IO_PAGE_FAULT log entries; the request still faults.")
    v.enable()
    v.dte(DEV_ID, dte_q0(v.page(), 3), 5 | (1 << 34))
    v.fault(DEV, 0x1000)
    v.rr(EVT_TAIL, 0, comment="nothing logged")
    v.write()

# ------------------------------------------------------------------------- caches and commands
@vec
def _():
    v = V("amdvi-dte-stale-until-invalidate-devtab-entry", "§2.4.2: a changed DTE is not seen until INVALIDATE_DEVTAB_ENTRY for that DeviceID is processed (tick); another device's invalidation does not help.")
    v.enable(); top = v.domain(mode=3)
    v.map(top, 3, 0x1000, 0x9000)
    v.ok(DEV, 0x1000, 0x9000)
    v.dte(DEV_ID, dte_q0(0, 0), 5, comment="DTE now Mode 0")
    v.ok(DEV, 0x1000, 0x9000, comment="cached DTE")
    v.cmd((INV_DEVTAB << 60) | DEV2_ID, comment="INVALIDATE_DEVTAB_ENTRY other device")
    v.tick(4)
    v.ok(DEV, 0x1000, 0x9000)
    v.cmd((INV_DEVTAB << 60) | DEV_ID, comment="INVALIDATE_DEVTAB_ENTRY")
    v.ok(DEV, 0x1000, 0x9000, comment="queued, not processed")
    v.tick()
    v.rr(CMD_HEAD, 32, comment="head advanced over both commands")
    v.ok(DEV, 0x1000, 0x1000)
    v.write()

@vec
def _():
    v = V("amdvi-iotlb-stale-until-invalidate-pages", "§2.4.3: a changed PTE is not seen until INVALIDATE_IOMMU_PAGES names its domain and page; other domains and pages do not help, and the neighbour page stays stale.")
    v.enable(); top = v.domain(mode=3)
    a = v.map(top, 3, 0x1000, 0x9000)
    b = v.map(top, 3, 0x2000, 0xa000)
    v.ok(DEV, 0x1000, 0x9000); v.ok(DEV, 0x2000, 0xa000)
    v.mw(a, 0xb000 | IR_ | IW_ | 1); v.mw(b, 0xc000 | IR_ | IW_ | 1)
    v.cmd((INV_PAGES << 60) | (6 << 32), 0x1000 | 2, comment="INVALIDATE_IOMMU_PAGES domain 6")
    v.cmd((INV_PAGES << 60) | (5 << 32), 0x3000 | 2, comment="domain 5, page 0x3000")
    v.tick(4)
    v.ok(DEV, 0x1000, 0x9000)
    v.cmd((INV_PAGES << 60) | (5 << 32), 0x1000 | 2, comment="domain 5, page 0x1000")
    v.tick(4)
    v.ok(DEV, 0x1000, 0xb000)
    v.ok(DEV, 0x2000, 0xa000)
    v.write()

@vec
def _():
    v = V("amdvi-invalidate-pages-size-encoded", "§2.4.3: S=1 with address bit 12 clear covers 8 KiB; the address 0x7ffffffffffff000 with S=1 covers the whole domain.")
    v.enable(); top = v.domain(mode=3)
    a = v.map(top, 3, 0x1000, 0x9000)
    b = v.map(top, 3, 0x2000, 0xa000)
    c = v.map(top, 3, 0x400000, 0x600000, page_level=2)
    v.ok(DEV, 0x1000, 0x9000); v.ok(DEV, 0x2000, 0xa000); v.ok(DEV, 0x400000, 0x600000)
    v.mw(a, 0xb000 | IR_ | IW_ | 1); v.mw(b, 0xc000 | IR_ | IW_ | 1); v.mw(c, 0x800000 | IR_ | IW_ | 1)
    v.cmd((INV_PAGES << 60) | (5 << 32), 0x0000 | 1 | 2, comment="S=1: 8 KiB at 0")
    v.tick()
    v.ok(DEV, 0x1000, 0xb000); v.ok(DEV, 0x2000, 0xa000); v.ok(DEV, 0x400000, 0x600000)
    v.cmd((INV_PAGES << 60) | (5 << 32), 0x7ffffffffffff000 | 1 | 2, comment="S=1: all")
    v.tick()
    v.ok(DEV, 0x2000, 0xc000); v.ok(DEV, 0x400000, 0x800000)
    v.write()

@vec
def _():
    v = V("amdvi-invalidate-iommu-all", "§2.4.8 INVALIDATE_IOMMU_ALL (EFR.IASup) drops cached DTEs and translations of every device and domain.")
    v.enable(); top = v.domain(mode=3)
    a = v.map(top, 3, 0x1000, 0x9000)
    v.dte(DEV2_ID, dte_q0(top, 3), 7)
    v.ok(DEV, 0x1000, 0x9000); v.ok(DEV2, 0x1000, 0x9000)
    v.mw(a, 0xb000 | IR_ | IW_ | 1)
    v.dte(DEV2_ID, 0, 0)
    v.ok(DEV, 0x1000, 0x9000); v.ok(DEV2, 0x1000, 0x9000)
    v.cmd(INV_ALL << 60, comment="INVALIDATE_IOMMU_ALL")
    v.tick()
    v.ok(DEV, 0x1000, 0xb000); v.ok(DEV2, 0x1000, 0x1000)
    v.write()

@vec
def _():
    v = V("amdvi-completion-wait", "§2.4.1 COMPLETION_WAIT: S stores the 64-bit data at the address (bits 51:3), I sets Status.ComWaitInt and with ComWaitIntEn interrupts through the XT interrupt control register (IntCapXTEn); ComWaitInt is RW1C.")
    v.enable()
    v.rw(INTCAPXT_EVT, (0x31 << 32) | (2 << 8), comment="XT: vector 0x31, destination 2")
    v.control(COMWAIT_INT_EN | INTCAPXT_EN)
    v.cmd((COMPLETION_WAIT << 60) | 0x5000 | 1 | 2, 0xfeedf00d00000001, comment="COMPLETION_WAIT S I")
    v.mr(0x5000, 0, comment="not before the tick")
    v.tick()
    v.mr(0x5000, 0xfeedf00d00000001)
    v.rr(STATUS, COMWAIT_INT, mask=COMWAIT_INT)
    v.interrupts([(2, 0x31)])
    v.rw(STATUS, COMWAIT_INT)
    v.rr(STATUS, 0, mask=COMWAIT_INT)
    v.write()

for name, q0, q1, what in (
        ("bad-opcode", 0x9 << 60, 0, "opcode 9 is undefined"),
        ("prefetch-without-prefsup", 0x6 << 60, 0, "PREFETCH_IOMMU_PAGES without EFR.PrefSup"),
        ("iotlb-without-iotlbsup", INV_IOTLB << 60, 0, "INVALIDATE_IOTLB_PAGES without IOTLB support"),
        ("devtab-reserved", (INV_DEVTAB << 60) | (1 << 16), 0, "INVALIDATE_DEVTAB_ENTRY with reserved bit 16"),
        ("pages-reserved", INV_PAGES << 60, 1 << 3, "INVALIDATE_IOMMU_PAGES with reserved bit 67"),
        ("completion-wait-reserved", (COMPLETION_WAIT << 60) | (1 << 52), 0, "COMPLETION_WAIT with reserved bit 52")):
    def mk(name=name, q0=q0, q1=q1, what=what):
        v = V(f"amdvi-illegal-command-{name}", f"§2.4: {what}: ILLEGAL_COMMAND_ERROR (code 5) with the command's address; the fetched command has advanced the head, CmdBufRun clears until software re-enables CmdBufEn, and processing resumes after it.")
        v.enable()
        v.cmd((COMPLETION_WAIT << 60) | 0x5000 | 1, 1)
        v.cmd(q0, q1, comment=what)
        v.cmd((COMPLETION_WAIT << 60) | 0x5000 | 1, 2)
        v.tick(8)
        v.mr(0x5000, 1)
        v.event(ILLEGAL_CMD << 60, v.cmdbuf + 16)
        v.rr(CMD_HEAD, 32)
        v.rr(STATUS, 0, mask=CMDBUF_RUN)
        v.tick(8)
        v.mr(0x5000, 1, comment="still halted")
        v.control(clear=CMDBUF_EN); v.control(CMDBUF_EN)
        v.tick(8)
        v.mr(0x5000, 2)
        v.rr(CMD_HEAD, 48)
        v.write()
    vec(mk)

@vec
def _():
    v = V("amdvi-ring-base-writes", "§3.4.2/§3.4.3: a ring base write is ignored while the ring runs or with a length below 8; otherwise it clears head and tail. Pointers beyond the ring are ignored.")
    v.enable()
    v.rw(CMDBUF, 0x300000 | (8 << 56), comment="CmdBufRun: ignored")
    v.rr(CMDBUF, v.cmdbuf | (8 << 56))
    v.control(clear=CMDBUF_EN)
    v.rw(CMDBUF, 0x300000 | (7 << 56), comment="ComLen 7: ignored")
    v.rr(CMDBUF, v.cmdbuf | (8 << 56))
    v.rw(CMD_TAIL, 0x40)
    v.rw(CMD_TAIL, 0x1000, comment="beyond the 4 KiB ring: ignored")
    v.rr(CMD_TAIL, 0x40)
    v.rw(CMDBUF, 0x300000 | (9 << 56))
    v.rr(CMDBUF, 0x300000 | (9 << 56))
    v.rr(CMD_TAIL, 0, comment="cleared by the base write")
    v.write()

# ------------------------------------------------------------------------- event log
@vec
def _():
    v = V("amdvi-event-log-overflow", "§2.5: a 256-entry log holds 255 events; the next sets EventOverflow, clears EventLogRun and is dropped; software drains it and re-enables EventLogEn, which clears EventOverflow.")
    v.enable(); v.domain(mode=3)
    for i in range(255):
        v.fault(DEV, i << 12)
    v.rr(EVT_TAIL, 255 * 16)
    v.rr(STATUS, 0, mask=EVT_OVF)
    v.fault(DEV, 0x100000)
    v.rr(STATUS, EVT_OVF, mask=EVT_OVF | EVT_RUN)
    v.rr(EVT_TAIL, 255 * 16, comment="dropped")
    v.rw(EVT_HEAD, 255 * 16)
    v.control(clear=EVT_LOG_EN); v.control(EVT_LOG_EN)
    v.rr(STATUS, EVT_RUN, mask=EVT_OVF | EVT_RUN)
    v.fault(DEV, 0x101000)
    v.mr(v.evtlog + 255 * 16 + 8, 0x101000)
    v.write()

@vec
def _():
    v = V("amdvi-event-interrupt-xt", "§2.5.1: with EventIntEn and IntCapXTEn each logged event sets EventLogInt and interrupts the XT destination (Destination 31:8 and 63:56, Vector 39:32).")
    v.enable(); v.domain(mode=3)
    v.rw(INTCAPXT_EVT, (0x44 << 32) | (1 << 8) | (1 << 56))
    v.fault(DEV, 0x1000)
    v.interrupts([], comment="EventIntEn=0: none")
    v.control(EVT_INT_EN | INTCAPXT_EN)
    v.fault(DEV, 0x2000)
    v.interrupts([(0x01000001, 0x44)])
    v.rr(STATUS, EVT_INT, mask=EVT_INT)
    v.write()

# ------------------------------------------------------------------------- interrupt remapping
def ir_setup(v, length=4, intctl=2, nmi=False, dev=DEV_ID):
    v.enable()
    t = v.page()
    v.dte(dev, dte_q0(0, 0), 5, dte_q2(t, length, intctl, nmi), comment="DTE: Mode 0, IV, IntTabLen, IntCtl")
    return t

def irte(dest, vector, remap=True, int_type=0, sup=False, guest=False):
    return (1 if remap else 0) | (2 if sup else 0) | (int_type << 2) | (0x80 if guest else 0) | (dest << 8) | (vector << 16)

@vec
def _():
    v = V("amdvi-ir-remapped", "§2.2.5: data[10:0] indexes the 32-bit IRTE table; RemapEn=1 delivers its Vector to its Destination, not what the MSI address/data say.")
    t = ir_setup(v)
    v.mw(t + 9 * 4, irte(3, 0x41), 4)
    v.msi(DEV, 0x9, {"result": "delivered", "dest": 3, "vector": 0x41})
    v.interrupts([(3, 0x41)])
    v.write()

@vec
def _():
    v = V("amdvi-ir-index-beyond-table", "§2.2.5: an index at or beyond 2^IntTabLen is blocked with IO_PAGE_FAULT (I=1, RW=1), address = the MSI address.")
    ir_setup(v, length=4)
    v.msi(DEV, 16, {"result": "blocked", "event": "IO_PAGE_FAULT"})
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, I | RW), 0xfee00000)
    v.write()

@vec
def _():
    v = V("amdvi-ir-remapen-0", "§2.2.5.1: RemapEn=0 blocks with IO_PAGE_FAULT unless SupIOPF=1 (blocked, nothing logged); IntType 2 (reserved) blocks with RZ.")
    t = ir_setup(v)
    v.mw(t + 4, irte(1, 0x50, remap=False), 4)
    v.mw(t + 8, irte(1, 0x50, remap=False, sup=True), 4)
    v.mw(t + 12, irte(1, 0x50, int_type=2), 4)
    v.msi(DEV, 1, {"result": "blocked", "event": "IO_PAGE_FAULT"})
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, I | RW), 0xfee00000)
    v.msi(DEV, 2, {"result": "blocked"})
    v.rr(EVT_TAIL, 16)
    v.msi(DEV, 3, {"result": "blocked", "event": "IO_PAGE_FAULT"})
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, 5, I | RW | PR | RZ), 0xfee00000)
    v.write()

@vec
def _():
    v = V("amdvi-ir-intctl-and-nmi", "§2.2.2: IntCtl=0 target-aborts fixed interrupts without an event, IntCtl=1 forwards them unmapped; NMI (delivery mode 4) passes only with NMIPass.")
    ir_setup(v, intctl=0)
    v.dte(DEV2_ID, dte_q0(0, 0), 6, dte_q2(v.page(), 4, 1, nmi=True))
    v.msi(DEV, 0x22, {"result": "blocked"})
    v.msi(DEV, 0x422, {"result": "blocked"}, comment="NMI without NMIPass")
    v.msi(DEV2, 0x22, {"result": "delivered", "dest": 5, "vector": 0x22}, addr=0xfee05000)
    v.msi(DEV2, 0x402, {"result": "delivered", "dest": 5, "vector": 0x2}, addr=0xfee05000, comment="NMI with NMIPass")
    v.rr(EVT_TAIL, 0)
    v.write()

@vec
def _():
    v = V("amdvi-ir-stale-until-invalidate-interrupt-table", "§2.4.5: a changed IRTE is not seen until INVALIDATE_INTERRUPT_TABLE for that DeviceID; another device's does not help.")
    t = ir_setup(v)
    v.mw(t + 12, irte(1, 0x40), 4)
    v.msi(DEV, 3, {"result": "delivered", "vector": 0x40})
    v.mw(t + 12, irte(1, 0x48), 4)
    v.msi(DEV, 3, {"result": "delivered", "vector": 0x40})
    v.cmd((INV_INTTAB << 60) | DEV2_ID)
    v.tick()
    v.msi(DEV, 3, {"result": "delivered", "vector": 0x40})
    v.cmd((INV_INTTAB << 60) | DEV_ID)
    v.tick()
    v.msi(DEV, 3, {"result": "delivered", "vector": 0x48})
    v.write()

@vec
def _():
    v = V("amdvi-ir-dma-write-to-window", "§2.2.5: a DMA write into 0xFEEx_xxxx is an interrupt request and is remapped like an MSI; V=0 devices pass unremapped.")
    t = ir_setup(v)
    v.mw(t + 5 * 4, irte(2, 0x66), 4)
    v.dma(DEV, 0xfee00000, write=True, value=5, expect={"result": "interrupt", "interrupt": "delivered", "dest": 2, "vector": 0x66})
    v.msi(DEV2, 0x31, {"result": "delivered", "dest": 7, "vector": 0x31}, addr=0xfee07000, comment="DTE V=0")
    v.write()

@vec
def _():
    v = V("amdvi-ir-iv-without-v", "§2.2.5: interrupt remapping depends on DTE IV alone: a DTE with V=0 and IV=1 still remaps (QEMU and VBox check IV only), and DMA from it passes untranslated.")
    v.enable()
    t = v.page()
    v.dte(DEV_ID, 0, 0, dte_q2(t, 4), comment="DTE: V=0, IV=1, IntCtl remap")
    v.mw(t + 7 * 4, irte(4, 0x5c), 4)
    v.msi(DEV, 7, {"result": "delivered", "dest": 4, "vector": 0x5c})
    v.ok(DEV, 0x3000, 0x3000)
    v.write()

@vec
def _():
    v = V("amdvi-ir-ga-128bit-irte", "§2.2.5.2: with EFR.GASup (unit field ga) and Control.GAEn the interrupt table holds 128-bit entries (index*16): Destination[23:0] in 31:8, Vector in bits 71:64, Destination[31:24] in 127:120; GuestMode=1 without guest virtual APIC support is IO_PAGE_FAULT.", ga=True)
    v.rr(EFR, 1 << 7, mask=1 << 7, comment="GASup")
    t = ir_setup(v)
    v.control(1 << 17)
    v.mw(t + 3 * 16, 1 | (0x000102 << 8), comment="IRTE 3 low: RemapEn, Destination[23:0]")
    v.mw(t + 3 * 16 + 8, 0x61 | (0x01 << 56), comment="IRTE 3 high: Vector, Destination[31:24]")
    v.msi(DEV, 3, {"result": "delivered", "dest": 0x01000102, "vector": 0x61})
    v.mw(t + 4 * 16, 1 | 0x80, comment="IRTE 4: GuestMode")
    v.msi(DEV, 4, {"result": "blocked", "event": "IO_PAGE_FAULT"})
    v.write()


# ------------------------------------------------------------------------- two-level (GV) translation
# §2.2.2 DTE: GV 55, GLX 57:56, GIoV 54, GCR3 root [14:12] at 60:58, [30:15] at 95:80, [51:31] at 127:107,
# GuestPagingMode 183:182 (Linux DTE_GCR3_*, DTE_GLX_SHIFT, DTE_GPT_LEVEL_SHIFT). GCR3 table: 512 entries per level,
# index = PASID >> 9*level & 0x1ff, valid bit 0, address 51:12 (Linux __get_gcr3_pte). Guest tables: x86-64 long mode,
# P 0, R/W 1, U/S 2, PS 7 (AMD APM vol. 2 §5.3; Linux io_pgtable_v2.c). Every guest table pointer and the final page are
# guest physical and translated by the DTE's host (v1) table. Guest-level faults: IO_PAGE_FAULT GN=1, US=1 (requests are
# user requests), PASID[15:0] at 47:32, PASID[19:16] at 19:16, address = guest virtual; host-level faults: GN=0, DomainID,
# address = the guest physical address.
GP, GRW, GUS, GPS = 1, 2, 4, 0x80
GPA_OFF = 0x80_0000_0000
GT_DOM = 9
DATA_GPA, DATA_SPA = 0x40_0000_0000, 0x30_0000


class G:
    """A guest address space builder on top of a V: host 4-level domain, GCR3 table, guest tables."""
    def __init__(self, v, glx=0, glevels=4, host_mode=4, giov=False, pasids=()):
        self.v, self.glx, self.glevels, self.host_mode = v, glx, glevels, host_mode
        self.off = 0 if host_mode == 0 else GPA_OFF
        self.htop = 0 if host_mode == 0 else v.page()
        self.spa = {}
        self.next = {}
        self.val = {}
        v.enable()
        v.control(GT_EN)
        self.root = self.gpage("GCR3 table root")
        self.dte(giov)

    def dte(self, giov=False, gpt=None):
        g = self.root
        q0 = dte_q0(self.htop, self.host_mode) | (1 << 55) | (self.glx << 56) | (((g >> 12) & 7) << 58) | ((1 << 54) if giov else 0)
        q1 = GT_DOM | (((g >> 15) & 0xffff) << 16) | (((g >> 31) & 0x1fffff) << 43)
        q2 = (gpt if gpt is not None else (1 if self.glevels == 5 else 0)) << 54
        self.v.dte(DEV_ID, q0, q1, q2, comment=f"DTE: V TV Mode={self.host_mode} IR IW GV GLX={self.glx}{' GIoV' if giov else ''}, GCR3 root {g:#x}, DomainID {GT_DOM}")

    def gpage(self, what):
        spa = self.v.page()
        gpa = spa + self.off
        self.spa[gpa] = spa
        if self.host_mode:
            self.v.map(self.htop, self.host_mode, gpa, spa)
        return gpa

    def gw(self, gpa, value, comment=None):
        self.val[gpa] = value
        self.v.mw(self.spa[gpa & ~0xfff] | (gpa & 0xfff), value, comment=comment)

    def space(self, pasid):
        cr3 = self.gpage("guest CR3")
        table = self.root
        for level in range(self.glx, 0, -1):
            idx = (pasid >> (9 * level)) & 0x1ff
            if (table, idx) not in self.next:
                nt = self.gpage("GCR3 level")
                self.next[(table, idx)] = nt
                self.gw(table + idx * 8, nt | 1, f"GCR3 level-{level} entry: V")
            table = self.next[(table, idx)]
        self.gw(table + (pasid & 0x1ff) * 8, cr3 | 1, f"GCR3 entry for PASID {pasid:#x}: guest CR3 {cr3:#x}, V")
        return cr3

    def gcr3_entry(self, pasid):
        table = self.root
        for level in range(self.glx, 0, -1):
            table = self.next[(table, (pasid >> (9 * level)) & 0x1ff)]
        return table + (pasid & 0x1ff) * 8

    def map(self, cr3, gva, gpa, page_level=1, flags=GP | GRW | GUS):
        table = cr3
        for level in range(self.glevels, page_level, -1):
            idx = (gva >> (12 + 9 * (level - 1))) & 0x1ff
            if (table, idx) not in self.next:
                nt = self.gpage("guest table")
                self.next[(table, idx)] = nt
                self.gw(table + idx * 8, nt | GP | GRW | GUS, f"guest level-{level} entry: P RW US")
            table = self.next[(table, idx)]
        at = table + ((gva >> (12 + 9 * (page_level - 1))) & 0x1ff) * 8
        self.gw(at, gpa | flags | (GPS if page_level > 1 else 0), f"guest level-{page_level} leaf: {gva:#x} -> guest physical {gpa:#x}")
        return at

    def entry(self, cr3, gva, level):
        table = cr3
        for l in range(self.glevels, level, -1):
            table = self.next[(table, (gva >> (12 + 9 * (l - 1))) & 0x1ff)]
        return table + ((gva >> (12 + 9 * (level - 1))) & 0x1ff) * 8

    def hmap(self, gpa, spa, iw=True):
        self.v.map(self.htop, self.host_mode, gpa, spa, iw=iw)

    def ok(self, gva, spa, pasid, write=False, comment=None):
        self.v.dma(DEV, gva, write, {"result": "ok", "pa": spa}, comment, pasid=pasid)


def gt_lo(code, pasid, flags):
    return DEV_ID | ((pasid >> 16) & 0xf) << 16 | ((pasid & 0xffff) << 32) | flags | (code << 60)


def gt_vec(name, desc, **kw):
    return V(name, desc, gt=True, **kw)


for glevels, page_level, glx in ((4, 1, 0), (4, 2, 1), (4, 3, 2), (5, 1, 1), (5, 3, 0)):
    def mk(glevels=glevels, page_level=page_level, glx=glx):
        size = {1: "4k", 2: "2m", 3: "1g"}[page_level]
        v = gt_vec(f"amdvi-gt-{glevels}level-{size}-glx{glx}", f"§2.2.6: a PASID request through GV=1 walks a GLX={glx} GCR3 table and {glevels}-level x86-64 guest tables to a {size} guest page; every guest physical pointer and the final page go through the host table.")
        g = G(v, glx=glx, glevels=glevels)
        pasid = 0x2a if glx == 0 else 0xbeef
        cr3 = g.space(pasid)
        shift = 12 + 9 * (page_level - 1)
        gva = ((1 << 50) if glevels == 5 else 0) | (0x12 << 39) | (5 << shift)
        off = 0x12345678 & ((1 << shift) - 1) & ~3
        g.map(cr3, gva, DATA_GPA, page_level)
        g.hmap((DATA_GPA + off) & ~0xfff, DATA_SPA)
        g.ok(gva + off, DATA_SPA | (off & 0xfff), pasid)
        g.ok(gva + off, DATA_SPA | (off & 0xfff), pasid, write=True)
        v.rr(EVT_TAIL, 0, comment="nothing logged")
        v.write()
    vec(mk)

@vec
def _():
    v = gt_vec("amdvi-gt-host-mode-0", "§2.2.6: with DTE Mode 0 and GV=1 the GCR3 table, guest tables and guest pages are system physical (Linux uses Mode 0 for v2 domains).")
    g = G(v, host_mode=0)
    cr3 = g.space(3)
    g.map(cr3, 0x7000_0000_0000, 0x60_0000, 2)
    g.ok(0x7000_0001_2344, 0x61_2344, 3)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-giov-pasid-0", "§2.2.2 GIoV: with GV=1 and GIoV=1 a request without a PASID is translated by PASID 0's guest tables; with GIoV=0 by the host table.")
    g = G(v, giov=True)
    cr3 = g.space(0)
    g.map(cr3, 0x1000, DATA_GPA)
    g.hmap(DATA_GPA, DATA_SPA)
    g.hmap(0x1000, 0x9000)
    v.ok(DEV, 0x1000, DATA_SPA, comment="no PASID, GIoV=1: guest tables of PASID 0")
    g.dte(giov=False)
    v.cmd((INV_DEVTAB << 60) | DEV_ID, comment="INVALIDATE_DEVTAB_ENTRY")
    v.tick()
    v.ok(DEV, 0x1000, 0x9000, comment="GIoV=0: the host table")
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-guest-not-present", "§2.5.3: a guest entry with P=0 is IO_PAGE_FAULT with GN=1, US=1 (and RW for a write), PASID[15:0] in 47:32 and the guest virtual address.")
    g = G(v, glx=1)
    cr3 = g.space(0xbeef)
    gva = 0x7f12_3456_7000
    g.map(cr3, gva, DATA_GPA)
    g.hmap(DATA_GPA, DATA_SPA)
    e = g.entry(cr3, gva, 2)
    g.gw(e, g.val[e] & ~GP, "guest level-2 entry: P cleared")
    v.fault(DEV, gva + 0xabc, write=True, pasid=0xbeef)
    v.event(gt_lo(IO_PAGE_FAULT, 0xbeef, GN | US | RW), gva + 0xabc)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-nested-table-not-in-host", "§2.2.6 nesting: a guest table whose guest physical page the host table does not map is a host-level IO_PAGE_FAULT: GN=0, the DomainID and the guest physical address of the entry.")
    g = G(v)
    cr3 = g.space(7)
    g.map(cr3, 0x4000, DATA_GPA)
    g.hmap(DATA_GPA, DATA_SPA)
    e3 = g.entry(cr3, 0x4000, 3)
    v.mw(v.entry(g.htop, 4, e3, 1), 0, comment="host leaf of the guest level-3 table cleared")
    v.fault(DEV, 0x4010, pasid=7)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, GT_DOM, 0), e3)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-final-page-through-host", "§2.2.6 nesting: the final guest physical page goes through the host table with the request's direction: a host read-only page faults writes (GN=0, PR PE RW), an unmapped one faults (GN=0), both with the guest physical address.")
    g = G(v)
    cr3 = g.space(7)
    g.map(cr3, 0x4000, DATA_GPA)
    g.map(cr3, 0x5000, DATA_GPA + 0x1000)
    g.hmap(DATA_GPA, DATA_SPA, iw=False)
    g.ok(0x4008, DATA_SPA + 8, 7)
    v.fault(DEV, 0x4008, write=True, pasid=7)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, GT_DOM, PR | PE | RW), DATA_GPA + 8)
    v.fault(DEV, 0x5008, pasid=7)
    v.event(evt_lo(IO_PAGE_FAULT, DEV_ID, GT_DOM, 0), DATA_GPA + 0x1008)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-guest-rights", "x86-64 rights AND-ed down the guest walk: R/W=0 in a directory denies writes, U/S=0 denies the (user) request: IO_PAGE_FAULT GN US PR PE.")
    g = G(v)
    cr3 = g.space(1)
    g.map(cr3, 0x4000_0000, DATA_GPA)
    g.map(cr3, 0x8000_0000, DATA_GPA)
    g.hmap(DATA_GPA, DATA_SPA)
    l3 = g.entry(cr3, 0x4000_0000, 3)
    g.gw(l3, g.val[l3] & ~GRW, "guest level-3 entry: read-only")
    l2 = g.entry(cr3, 0x8000_0000, 2)
    g.gw(l2, g.val[l2] & ~GUS, "guest level-2 entry: supervisor only")
    g.ok(0x4000_0000, DATA_SPA, 1)
    v.fault(DEV, 0x4000_0000, write=True, pasid=1)
    v.event(gt_lo(IO_PAGE_FAULT, 1, GN | US | PR | PE | RW), 0x4000_0000)
    v.fault(DEV, 0x8000_0000, pasid=1)
    v.event(gt_lo(IO_PAGE_FAULT, 1, GN | US | PR | PE), 0x8000_0000)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-pasid-and-gcr3-faults", "PASID above EFR.PASmax (15) is INVALID_DEVICE_REQUEST with the PASID; PASID bits beyond a GLX=0 table's 9 and a GCR3 entry with V=0 are IO_PAGE_FAULT GN; reserved GCR3 entry bits 63:52 add PR RZ.")
    g = G(v)
    g.space(5)
    v.fault(DEV, 0x1000, event="INVALID_DEVICE_REQUEST", pasid=0x10005)
    v.event(gt_lo(INV_DEV_REQ, 0x10005, GN), 0x1000)
    v.fault(DEV, 0x1000, pasid=0x205)
    v.event(gt_lo(IO_PAGE_FAULT, 0x205, GN | US), 0x1000)
    v.fault(DEV, 0x1000, pasid=6)
    v.event(gt_lo(IO_PAGE_FAULT, 6, GN | US), 0x1000)
    ent = g.gcr3_entry(5)
    g.gw(ent, g.val[ent] | (1 << 60), "GCR3 entry with reserved bit 60")
    v.fault(DEV, 0x1000, pasid=5)
    v.event(gt_lo(IO_PAGE_FAULT, 5, GN | US | PR | RZ), 0x1000)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-stale-until-invalidate-gn", "§2.4.3: guest translations are cached per (DomainID, PASID) and stay stale until INVALIDATE_IOMMU_PAGES with GN=1 and their PASID; a host-table change under them until GN=0 covering the guest physical page.")
    g = G(v)
    cr3 = g.space(4)
    leaf = g.map(cr3, 0x6000, DATA_GPA)
    g.hmap(DATA_GPA, DATA_SPA)
    g.hmap(DATA_GPA + 0x1000, 0x31_0000)
    g.ok(0x6000, DATA_SPA, 4)
    g.gw(leaf, (DATA_GPA + 0x1000) | GP | GRW | GUS, "guest leaf now points at the next guest physical page")
    g.ok(0x6000, DATA_SPA, 4, comment="stale")
    v.cmd((INV_PAGES << 60) | (GT_DOM << 32), 0x6000 | 2, comment="INVALIDATE_IOMMU_PAGES GN=0 at 0x6000 (no guest physical page of it)")
    v.cmd((INV_PAGES << 60) | (GT_DOM << 32) | 5, 0x6000 | 2 | 4, comment="GN=1, PASID 5")
    v.tick(2)
    g.ok(0x6000, DATA_SPA, 4, comment="still stale")
    v.cmd((INV_PAGES << 60) | (GT_DOM << 32) | 4, 0x6000 | 2 | 4, comment="GN=1, PASID 4")
    v.tick()
    g.ok(0x6000, 0x31_0000, 4)
    g.hmap(DATA_GPA + 0x1000, 0x32_0000)
    g.ok(0x6000, 0x31_0000, 4, comment="host change: stale")
    v.cmd((INV_PAGES << 60) | (GT_DOM << 32), (DATA_GPA + 0x1000) | 2, comment="GN=0 at the guest physical page")
    v.tick()
    g.ok(0x6000, 0x32_0000, 4)
    v.write()

@vec
def _():
    v = gt_vec("amdvi-gt-reserved-guest-bits", "x86-64 reserved bits (PS at level 4, bits 20:13 of a 2 MiB page) are IO_PAGE_FAULT GN PR RZ; a non-canonical address for 4-level guest tables GN; GuestPagingMode 2 is ILLEGAL_DEV_TABLE_ENTRY.")
    g = G(v)
    cr3 = g.space(1)
    g.map(cr3, 0x20_0000, DATA_GPA, 2, GP | GRW | GUS | (1 << 13))
    g.map(cr3, 0x80_0000_0000, DATA_GPA)
    l4 = g.entry(cr3, 0x80_0000_0000, 4)
    g.gw(l4, g.val[l4] | GPS, "guest level-4 entry with PS")
    v.fault(DEV, 0x20_0000, pasid=1)
    v.event(gt_lo(IO_PAGE_FAULT, 1, GN | US | PR | RZ), 0x20_0000)
    v.fault(DEV, 0x80_0000_0000, pasid=1)
    v.event(gt_lo(IO_PAGE_FAULT, 1, GN | US | PR | RZ), 0x80_0000_0000)
    v.fault(DEV, 1 << 50, pasid=1)
    v.event(gt_lo(IO_PAGE_FAULT, 1, GN | US), 1 << 50)
    g.dte(gpt=2)
    v.cmd((INV_DEVTAB << 60) | DEV_ID, comment="INVALIDATE_DEVTAB_ENTRY")
    v.tick()
    v.fault(DEV, 0x1000, event="ILLEGAL_DEV_TABLE_ENTRY", pasid=1)
    v.event(evt_lo(ILLEGAL_DTE, DEV_ID, 0, RZ), 0x1000)
    v.write()

for f in ALL:
    f()
print(f"wrote {len(ALL)} generators to {OUT}")
