#!/usr/bin/env python3
"""Writes reference/vectors/intel-vtd/*.vec.json from the VT-d specification's layouts (not from the C# model)."""
import json, os, sys
OUT = sys.argv[1]
H = lambda v: hex(v)

# ---- VT-d spec ch.10 register offsets / bits ----
VER, CAP, ECAP, GCMD, GSTS, RTADDR, CCMD, FSTS, FECTL, FEDATA, FEADDR = 0x0, 0x8, 0x10, 0x18, 0x1c, 0x20, 0x28, 0x34, 0x38, 0x3c, 0x40
IQH, IQT, IQA, ICS, IECTL, IEDATA, IEADDR, IRTA = 0x80, 0x88, 0x90, 0x9c, 0xa0, 0xa4, 0xa8, 0xb8
TE, SRTP, QIE, IRE, SIRTP, CFI = 1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23
PERSIST = TE | QIE | IRE | CFI
IVA, IOTLB = 0xf0, 0xf8
FRCD = 0x220
DEV = "0000:00:03.0"; DEV_RID = 0x0018
DEV2 = "0000:00:04.0"; DEV2_RID = 0x0020
DEV3 = "0000:02:00.1"; DEV3_RID = 0x0201

class V:
    def __init__(self, name, desc, aw=48, unit_extra=None, devices=(DEV,), memory=None, units=None):
        self.name, self.desc = name, desc
        self.memory = memory or [{"base": "0x0", "size": "1GiB"}]
        u = {"id": "dmar0", "mmio": "0xfed90000", "aw": aw, "scalable": False}
        if unit_extra: u.update(unit_extra)
        self.units = units or [u]
        self.devices = devices
        self.steps = []
        self.gsts = 0
        self.next = 0x1000000  # table pages from 16 MiB
        self.aw = aw
    def page(self):
        p = self.next; self.next += 0x1000; return p
    def s(self, **kw):
        d = {"op": kw.pop("op")}
        for k, v in kw.items():
            d[k] = H(v) if isinstance(v, int) and not isinstance(v, bool) and k not in ("width", "count", "len") else v
        self.steps.append(d); return d
    def mw(self, addr, value, width=8, comment=None):
        d = self.s(op="mem.write", addr=addr, width=width, value=value)
        if comment: d["comment"] = comment
    def mr(self, addr, expect, width=8, mask=None, comment=None):
        d = self.s(op="mem.read", addr=addr, width=width)
        if mask is not None: d["mask"] = H(mask)
        d["expect"] = H(expect)
        if comment: d["comment"] = comment
    def rw(self, off, value, width=4, unit="dmar0", comment=None):
        d = self.s(op="mmio.write", unit=unit, offset=off, width=width, value=value)
        if comment: d["comment"] = comment
    def rr(self, off, expect, width=4, mask=None, unit="dmar0", comment=None):
        d = self.s(op="mmio.read", unit=unit, offset=off, width=width)
        if mask is not None: d["mask"] = H(mask)
        d["expect"] = H(expect)
        if comment: d["comment"] = comment
    def cmd(self, bit, on=True, unit="dmar0", expect_status=True):
        # one command per write: persistent bits as GSTS shows them, plus/minus this command (spec 10.4.4)
        val = (self.gsts & PERSIST) | bit if on else (self.gsts & PERSIST) & ~bit
        self.rw(GCMD, val, unit=unit)
        if bit in (TE, QIE, IRE, CFI):
            self.gsts = (self.gsts | bit) if on else (self.gsts & ~bit)
        else:
            self.gsts |= bit
        if expect_status:
            self.rr(GSTS, bit if on else 0, mask=bit, unit=unit)
    def root(self, unit="dmar0"):
        self.rt = self.page()
        self.rw(RTADDR, self.rt, 8, unit=unit, comment="root table address")
        self.cmd(SRTP, unit=unit)
        self.ctab = {}
    def context(self, bus, devfn, slptptr, levels=4, did=1, tt=0, fpd=False, lo_extra=0, hi_extra=0):
        if bus not in self.ctab:
            self.ctab[bus] = self.page()
            self.mw(self.rt + bus * 16, self.ctab[bus] | 1, comment=f"root entry bus {bus:#x}: context table, P")
        ce = self.ctab[bus] + devfn * 16
        self.mw(ce, slptptr | (tt << 2) | (2 if fpd else 0) | 1 | lo_extra, comment=f"context entry devfn {devfn:#x}: SLPTPTR, TT={tt}, P")
        self.mw(ce + 8, (levels - 2) | (did << 8) | hi_extra, comment=f"context entry: AW={levels-2} ({30+9*(levels-2)}-bit), DID={did}")
        return ce
    def domain(self):
        self.tables = {}
        return self.page()
    def map(self, top, levels, iova, pa, page_level=1, r=True, w=True, nonleaf_w=True):
        table = top
        for level in range(levels, page_level, -1):
            idx = (iova >> (12 + 9 * (level - 1))) & 0x1ff
            key = (table, idx)
            if key not in self.tables:
                nt = self.page()
                self.tables[key] = nt
                self.mw(table + idx * 8, nt | 1 | (2 if nonleaf_w else 0), comment=f"level-{level} entry -> table")
            table = self.tables[key]
        idx = (iova >> (12 + 9 * (page_level - 1))) & 0x1ff
        leaf = pa | (1 if r else 0) | (2 if w else 0) | (0x80 if page_level > 1 else 0)
        self.mw(table + idx * 8, leaf, comment=f"level-{page_level} leaf {iova:#x} -> {pa:#x}")
        return table + idx * 8
    def entry_addr(self, top, levels, iova, level):
        table = top
        for l in range(levels, level, -1):
            table = self.tables[(table, (iova >> (12 + 9 * (l - 1))) & 0x1ff)]
        return table + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8
    def dma(self, rid, addr, write=False, value=0xdeadbeef, width=4, expect=None, comment=None):
        d = {"op": "dma", "rid": rid, "addr": H(addr), "width": width, "dir": "write" if write else "read"}
        if write: d["value"] = H(value)
        if expect is not None: d["expect"] = {k: (H(v) if isinstance(v, int) else v) for k, v in expect.items()}
        if comment: d["comment"] = comment
        self.steps.append(d)
    def fault(self, rid, addr, reason, write=False, comment=None):
        self.dma(rid, addr, write, expect={"result": "fault", "reason": reason}, comment=comment)
    def ok(self, rid, addr, pa, write=False, comment=None, value=None):
        e = {"result": "ok", "pa": pa}
        if value is not None: e["value"] = value
        self.dma(rid, addr, write, expect=e, comment=comment)
    def msi(self, rid, addr, data, expect, comment=None):
        d = {"op": "msi", "rid": rid, "addr": H(addr), "data": H(data),
             "expect": {k: (H(v) if isinstance(v, int) else v) for k, v in expect.items()}}
        if comment: d["comment"] = comment
        self.steps.append(d)
    def tick(self, count=1):
        self.steps.append({"op": "tick", "count": count})
    def interrupts(self, lst, comment=None):
        d = {"op": "interrupts", "expect": {"delivered": [{"dest": H(a), "vector": H(b)} for a, b in lst]}}
        if comment: d["comment"] = comment
        self.steps.append(d)
    def frcd(self, i, lo, hi, comment=None):
        self.rr(FRCD + 16 * i, lo, 8, comment=comment)
        self.rr(FRCD + 16 * i + 8, hi, 8)
    def write(self):
        doc = {"name": self.name, "platform": "intel-vtd", "description": self.desc, "memory": self.memory,
               "units": self.units,
               "topology": {"devices": [{"bdf": b, "kind": "rc-endpoint", "vendor": "0x8086", "device": "0x1234"} for b in self.devices]},
               "steps": self.steps}
        with open(os.path.join(OUT, self.name + ".vec.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")

def hi_rec(reason, sid, read):
    return (1 << 63) | ((1 << 62) if read else 0) | (reason << 32) | sid

def dev_setup(v, levels=4, did=1, rid_bus=0, rid_devfn=0x18):
    v.root()
    top = v.domain()
    v.context(rid_bus, rid_devfn, top, levels, did)
    return top

ALL = []
def vec(f): ALL.append(f); return f

# ---------------------------------------------------------------- translations
for aw, levels in ((39, 3), (48, 4), (57, 5)):
    def mk(aw=aw, levels=levels):
        v = V(f"vtd-sl-{levels}level-4k", f"Legacy mode, {levels}-level second-level table ({aw}-bit AGAW, SAGAW per aw): a 4 KiB page translates reads and writes, and the first address above {aw} bits faults with 0x4 (VT-d 3.6, 9.8).", aw=aw)
        top = dev_setup(v, levels)
        iova = (1 << (aw - 1)) | 0x5000
        v.map(top, levels, iova, 0x3a7000)
        v.cmd(TE)
        v.ok(DEV, iova + 0x10, 0x3a7010, write=True)
        v.ok(DEV, iova + 0x10, 0x3a7010, value=0xdeadbeef)
        v.mr(0x3a7010, 0xdeadbeef, 4)
        if aw < 57:
            v.fault(DEV, 1 << aw, 0x4, comment="one bit above AGAW")
        v.write()
    vec(mk)

@vec
def _():
    v = V("vtd-sl-2m-superpage", "PS=1 in an SL-PDE maps a 2 MiB page (CAP.SLLPS bit 34); the offset within the page is kept.")
    top = dev_setup(v)
    v.map(top, 4, 0x40200000, 0x600000, page_level=2)
    v.cmd(TE)
    v.ok(DEV, 0x40212345, 0x612345)
    v.ok(DEV, 0x403ffffc, 0x7ffffc, write=True)
    v.fault(DEV, 0x40400000, 0x6, comment="next 2 MiB: not present")
    v.write()

@vec
def _():
    v = V("vtd-sl-1g-superpage", "PS=1 in an SL-PDPE maps a 1 GiB page (CAP.SLLPS bit 35).")
    top = dev_setup(v)
    v.map(top, 4, 0x80000000, 0x0, page_level=3)
    v.cmd(TE)
    v.ok(DEV, 0x8a345678, 0x0a345678, write=True)
    v.ok(DEV, 0xbffff000, 0x3ffff000)
    v.write()

@vec
def _():
    v = V("vtd-sl-rights-anded-down-the-walk", "Rights are the AND of R/W at every level: an SL-PDE with W=0 makes its 4 KiB pages read-only even when the SL-PTE has W=1 (fault 0x5).")
    top = dev_setup(v)
    v.map(top, 4, 0x7000, 0x3a7000)
    pde = v.entry_addr(top, 4, 0x7000, 2)
    pt = v.tables[(v.entry_addr(top, 4, 0x7000, 3) & ~0xfff, (0x7000 >> 21) & 0x1ff)] if False else None
    v.cmd(TE)
    v.ok(DEV, 0x7000, 0x3a7000, write=True)
    # rewrite the PDE with W=0 and invalidate the IOTLB globally (register-based)
    # PDE value: its table pointer is the level-1 table
    l1 = v.tables[[k for k in v.tables if v.tables[k] == v.tables[k]][-1]]
    v.mw(pde, l1 | 1, comment="SL-PDE: R only")
    v.rw(IOTLB + 4, (1 << 31) | (1 << 28), 4, comment="IOTLB global invalidation (IVT, IIRG=1)")
    v.fault(DEV, 0x7000, 0x5, write=True)
    v.ok(DEV, 0x7000, 0x3a7000)
    v.write()

@vec
def _():
    v = V("vtd-translation-disabled-passes-through", "With GSTS.TES clear DMA is not remapped: the bus address is the host physical address; no faults are recorded.")
    v.ok(DEV, 0x123000, 0x123000, write=True)
    v.root()
    v.ok(DEV, 0x456000, 0x456000)
    v.rr(FSTS, 0)
    v.write()

@vec
def _():
    v = V("vtd-context-pass-through", "TT=2 (pass-through, ECAP.PT) passes untranslated requests through; the second-level pointer is ignored.")
    v.root()
    v.context(0, 0x18, 0, 4, 7, tt=2)
    v.cmd(TE)
    v.ok(DEV, 0x2345678, 0x2345678, write=True)
    v.rr(ECAP, 1 << 6, 8, mask=1 << 6, comment="ECAP.PT")
    v.write()

@vec
def _():
    v = V("vtd-dma-data-lands-at-the-translated-page", "Data written by a device lands at the translated host page and reads back through the same mapping; a second device with its own domain sees its own page for the same IOVA.", devices=(DEV, DEV2))
    v.root()
    a = v.domain(); v.context(0, 0x18, a, 4, 1)
    v.map(a, 4, 0x10000, 0x200000)
    ta = v.tables
    b = v.domain(); v.context(0, 0x20, b, 4, 2)
    v.map(b, 4, 0x10000, 0x300000)
    v.cmd(TE)
    v.dma(DEV, 0x10008, True, 0x1122334455667788, 8, expect={"result": "ok", "pa": 0x200008})
    v.dma(DEV2, 0x10008, True, 0x99, 8, expect={"result": "ok", "pa": 0x300008})
    v.mr(0x200008, 0x1122334455667788)
    v.mr(0x300008, 0x99)
    v.dma(DEV, 0x10008, False, width=8, expect={"result": "ok", "value": 0x1122334455667788})
    v.write()

# ---------------------------------------------------------------- DMA fault reasons
HOLE = 0x40000000  # just past the 1 GiB of memory: unbacked
def fault_vec(name, reason, desc, setup, write=False, iova=0x7000, rid=DEV, sid=DEV_RID, memory=None, aw=48):
    v = V(name, desc, memory=memory, aw=aw)
    top = dev_setup(v)
    v.map(top, 4, 0x7000, 0x3a7000, r=True, w=True)
    v.cmd(TE)
    iova = setup(v, top) or iova
    v.fault(rid, iova, reason, write=write)
    v.frcd(0, iova & ~0xfff, hi_rec(reason, sid, not write), comment="FRCD0: FI page; F, T (1 = read), FR, SID")
    v.rr(FSTS, 0x2, mask=0xff03, comment="PPF set, FRI 0, no overflow")
    v.write()

@vec
def _(): fault_vec("vtd-fault-01-root-entry-not-present", 0x1, "A requester whose bus has no present root entry faults with 0x1 (root entry P=0).",
                   lambda v, t: v.mw(v.rt + 2 * 16, 0) and None, rid=DEV3, sid=DEV3_RID) if False else None

def f01():
    v = V("vtd-fault-01-root-entry-not-present", "A requester whose bus has no present root entry faults with 0x1 (root entry P=0).", devices=(DEV, DEV3))
    top = dev_setup(v); v.map(top, 4, 0x7000, 0x3a7000); v.cmd(TE)
    v.fault(DEV3, 0x7000, 0x1)
    v.frcd(0, 0x7000, hi_rec(0x1, DEV3_RID, True))
    v.ok(DEV, 0x7000, 0x3a7000)
    v.write()
ALL[-1] = f01

@vec
def _(): fault_vec("vtd-fault-02-context-entry-not-present", 0x2, "A present root entry whose context entry for the devfn has P=0 faults with 0x2.",
                   lambda v, t: v.mw(v.ctab[0] + 0x18 * 16, t), write=True)
@vec
def _(): fault_vec("vtd-fault-03-aw-not-in-sagaw", 0x3, "A context entry AW (3 = 57-bit, 5-level) that CAP.SAGAW (0x6 for aw 48: 39- and 48-bit) does not list is invalid programming: 0x3.",
                   lambda v, t: v.mw(v.ctab[0] + 0x18 * 16 + 8, 3 | (1 << 8)))
@vec
def _(): fault_vec("vtd-fault-03-translation-type-reserved", 0x3, "Context entry TT=3 (reserved) is invalid programming: 0x3.",
                   lambda v, t: v.mw(v.ctab[0] + 0x18 * 16, t | (3 << 2) | 1))
@vec
def _(): fault_vec("vtd-fault-03-device-tlb-type-without-ecap-dt", 0x3, "Context entry TT=1 (device-TLB) on hardware without ECAP.DT is invalid programming: 0x3.",
                   lambda v, t: v.mw(v.ctab[0] + 0x18 * 16, t | (1 << 2) | 1))
@vec
def _(): fault_vec("vtd-fault-03-slptptr-unbacked", 0x3, "A second-level pointer to memory that does not exist faults with 0x3 when the top-level entry is fetched (spec: error accessing the SL table referenced by SLPTPTR).",
                   lambda v, t: v.mw(v.ctab[0] + 0x18 * 16, HOLE | 1))
@vec
def _(): fault_vec("vtd-fault-04-address-beyond-agaw", 0x4, "An input address above 2^min(MGAW, AGAW) faults with 0x4: here a 3-level (39-bit) context on a 48-bit unit.",
                   lambda v, t: (v.mw(v.ctab[0] + 0x18 * 16 + 8, 1 | (1 << 8)), 0x80_0000_7000)[1])
@vec
def _(): fault_vec("vtd-fault-05-write-to-read-only-page", 0x5, "A write through an SL-PTE with W=0 faults with 0x5; the record's T bit is 0 (write).",
                   lambda v, t: v.map(t, 4, 0x7000, 0x3a7000, w=False) and None, write=True)
@vec
def _(): fault_vec("vtd-fault-06-read-of-not-present-page", 0x6, "A read of an IOVA whose SL-PTE has R=W=0 (not present) faults with 0x6.",
                   lambda v, t: 0x8000)
@vec
def _(): fault_vec("vtd-fault-07-paging-entry-unbacked", 0x7, "An SL-PDPE pointing at memory that does not exist faults with 0x7 when the next level is fetched.",
                   lambda v, t: v.mw(v.entry_addr(t, 4, 0x7000, 3), HOLE | 3))
@vec
def _(): fault_vec("vtd-fault-0c-pte-snoop-bit-reserved", 0xC, "SL-PTE bit 11 (SNP) is reserved without ECAP.SC: 0xC.",
                   lambda v, t: v.mw(v.entry_addr(t, 4, 0x7000, 1), 0x3a7000 | 0x800 | 3))
@vec
def _(): fault_vec("vtd-fault-0c-pml4-page-size-reserved", 0xC, "PS (bit 7) is reserved in an SL-PML4E: 0xC.",
                   lambda v, t: v.mw(v.entry_addr(t, 4, 0x7000, 4), (v.tables[(t, 0)]) | 0x83))
@vec
def _(): fault_vec("vtd-fault-0c-address-above-haw", 0xC, "SL-PTE address bits above the host address width (48) are reserved: 0xC.",
                   lambda v, t: v.mw(v.entry_addr(t, 4, 0x7000, 1), (1 << 50) | 0x3a7000 | 3))
@vec
def _(): fault_vec("vtd-fault-0c-superpage-low-address-bits", 0xC, "A 2 MiB SL-PDE with address bits 20:12 set has reserved bits: 0xC.",
                   lambda v, t: v.mw(v.entry_addr(t, 4, 0x7000, 2), 0x601000 | 0x83))
@vec
def _(): fault_vec("vtd-fault-0e-output-in-interrupt-range", 0xE, "A translation whose output falls in 0xFEE00000-0xFEEFFFFF is blocked with 0xE (VT-d 3.14).",
                   lambda v, t: v.map(t, 4, 0x7000, 0xfee00000) and None, write=True)
@vec
def _(): fault_vec("vtd-fault-0e-read-of-interrupt-window", 0xE, "A DMA read of 0xFEEx_xxxx is not an interrupt and is not remapped: with translation on it is blocked with 0xE.",
                   lambda v, t: 0xfee00000)

def f_root_unbacked():
    v = V("vtd-fault-08-root-table-unbacked", "A root table pointer to memory that does not exist faults with 0x8 on the root-entry fetch.")
    v.rw(RTADDR, HOLE, 8); v.cmd(SRTP); v.cmd(TE)
    v.fault(DEV, 0x7000, 0x8)
    v.frcd(0, 0x7000, hi_rec(0x8, DEV_RID, True))
    v.write()
vec(f_root_unbacked)

def f_ctx_unbacked():
    v = V("vtd-fault-09-context-table-unbacked", "A root entry pointing at a context table in memory that does not exist faults with 0x9.")
    v.root(); v.mw(v.rt, HOLE | 1); v.cmd(TE)
    v.fault(DEV, 0x7000, 0x9, write=True)
    v.frcd(0, 0x7000, hi_rec(0x9, DEV_RID, False))
    v.write()
vec(f_ctx_unbacked)

def f_root_rsvd():
    v = V("vtd-fault-0a-root-entry-reserved", "A legacy root entry with its upper 64 bits non-zero (reserved) faults with 0xA.")
    top = dev_setup(v); v.map(top, 4, 0x7000, 0x3a7000)
    v.mw(v.rt + 8, 1, comment="root entry bits 127:64 are reserved in legacy mode")
    v.cmd(TE)
    v.fault(DEV, 0x7000, 0xA)
    v.write()
vec(f_root_rsvd)

def f_ctx_rsvd():
    v = V("vtd-fault-0b-context-entry-reserved", "A context entry with reserved bits (bit 7 of the upper half) faults with 0xB.")
    v.root(); top = v.domain(); v.context(0, 0x18, top, 4, 1, hi_extra=0x80); v.cmd(TE)
    v.fault(DEV, 0x7000, 0xB)
    v.write()
vec(f_ctx_rsvd)

# ---------------------------------------------------------------- fault recording
@vec
def _():
    v = V("vtd-fault-recording-compression-and-overflow", "Primary fault logging (VT-d 7.2.1) with NFR=2: a second fault from the same source is compressed; with every FRCD pending the next fault sets PFO and is dropped; clearing F frees a record, but nothing is recorded while PFO stays set.",
          unit_extra={"nfr": 2}, devices=(DEV, DEV2, DEV3))
    v.rr(CAP, 1 << 40, 8, mask=0xff << 40, comment="CAP.NFR = 2 - 1")
    v.root(); v.cmd(TE)
    v.fault(DEV, 0x1000, 0x1)
    v.fault(DEV, 0x2000, 0x1, comment="same SID: compressed")
    v.fault(DEV3, 0x3000, 0x1)
    v.frcd(1, 0x3000, hi_rec(0x1, DEV3_RID, True))
    v.rr(FSTS, 0x2, mask=0xff03)
    v.fault(DEV2, 0x4000, 0x1, comment="FRCD0 still pending: overflow")
    v.rr(FSTS, 0x3, mask=0xff03, comment="PFO and PPF")
    v.rw(FRCD + 12, 0x80000000, comment="clear F of FRCD0 (RW1C)")
    v.fault(DEV2, 0x5000, 0x1)
    v.rr(FRCD + 8, 0, 8, mask=1 << 63, comment="PFO set: not recorded")
    v.rw(FSTS, 1, comment="clear PFO")
    v.fault(DEV2, 0x6000, 0x1)
    v.frcd(0, 0x6000, hi_rec(0x1, DEV2_RID, True))
    v.write()

@vec
def _():
    v = V("vtd-fault-event-interrupt", "A fault raises a fault event (VT-d 7.3): held pending (FECTL.IP) while FECTL.IM is set, sent as the MSI in FEADDR/FEDATA when unmasked; no new event while PPF stays set.", devices=(DEV, DEV2))
    v.rw(FEDATA, 0x44); v.rw(FEADDR, 0xfee03000)
    v.root(); v.cmd(TE)
    v.fault(DEV, 0x1000, 0x1)
    v.rr(FECTL, 0xc0000000, comment="IM (reset value) and IP")
    v.interrupts([], comment="masked: nothing sent")
    v.rw(FECTL, 0)
    v.interrupts([(3, 0x44)], comment="unmasking sends the pending event")
    v.rr(FECTL, 0)
    v.fault(DEV2, 0x1000, 0x1)
    v.interrupts([], comment="PPF was already set: no event")
    v.write()

@vec
def _():
    v = V("vtd-fault-processing-disable", "FPD=1 in the context entry: the request is still blocked, but qualified faults (here 0x6) are not recorded; a non-qualified fault (root entry not present) of another device is.", devices=(DEV, DEV3))
    v.root(); top = v.domain(); v.context(0, 0x18, top, 4, 1, fpd=True); v.cmd(TE)
    v.fault(DEV, 0x7000, 0x6)
    v.rr(FRCD + 8, 0, 8, comment="nothing recorded")
    v.rr(FSTS, 0)
    v.fault(DEV3, 0x7000, 0x1)
    v.frcd(0, 0x7000, hi_rec(0x1, DEV3_RID, True))
    v.write()

# ---------------------------------------------------------------- caching and invalidation
def stale_setup(v, did=5):
    top = dev_setup(v, did=did)
    leaf = v.map(top, 4, 0x7000, 0x111000)
    v.cmd(TE)
    v.ok(DEV, 0x7000, 0x111000, comment="fills the context-cache and the IOTLB")
    v.mw(leaf, 0x222000 | 3, comment="software remaps the page without invalidating")
    v.ok(DEV, 0x7000, 0x111000, comment="stale: the IOTLB still holds the old translation")
    return top

@vec
def _():
    v = V("vtd-iotlb-stale-until-page-selective-invalidation", "An IOTLB entry stays stale until a page-selective invalidation (register-based, IVA at ECAP.IRO) covers its domain and page: wrong DID or wrong page leave it; AM=2 covering 0x4000-0x7fff flushes it; IAIG reports page-selective.")
    stale_setup(v)
    v.rw(IVA, 0x8000, 8); v.rw(IOTLB, (1 << 63) | (3 << 60) | (5 << 32), 8, comment="PSI DID 5, page 0x8000")
    v.ok(DEV, 0x7000, 0x111000)
    v.rw(IVA, 0x7000, 8); v.rw(IOTLB, (1 << 63) | (3 << 60) | (6 << 32), 8, comment="PSI DID 6, page 0x7000")
    v.ok(DEV, 0x7000, 0x111000)
    v.rw(IVA, 0x4000 | 2, 8); v.rw(IOTLB, (1 << 63) | (3 << 60) | (5 << 32), 8, comment="PSI DID 5, 0x4000 AM=2")
    v.rr(IOTLB, 3 << 57, 8, mask=(1 << 63) | (3 << 57), comment="IVT clear, IAIG = page-selective")
    v.ok(DEV, 0x7000, 0x222000)
    v.write()

@vec
def _():
    v = V("vtd-iotlb-am-above-mamv-is-invalid", "A page-selective IOTLB invalidation with AM above CAP.MAMV (18) is not performed: IAIG reads 0 and the stale entry stays.")
    stale_setup(v)
    v.rr(CAP, 18 << 48, 8, mask=0x3f << 48, comment="MAMV")
    v.rw(IVA, 19, 8); v.rw(IOTLB, (1 << 63) | (3 << 60) | (5 << 32), 8)
    v.rr(IOTLB, 0, 8, mask=(1 << 63) | (3 << 57))
    v.ok(DEV, 0x7000, 0x111000)
    v.rw(IOTLB, (1 << 63) | (1 << 60), 8, comment="global")
    v.rr(IOTLB, 1 << 57, 8, mask=(1 << 63) | (3 << 57))
    v.ok(DEV, 0x7000, 0x222000)
    v.write()

def qi_enable(v, qs=0):
    v.iq = v.page()
    for _ in range(1, (1 << qs) * 4): v.page()
    v.rw(IQA, v.iq | qs, 8)
    v.cmd(QIE)
    v.tail = 0
def submit(v, descs):
    for lo, hi in descs:
        v.mw(v.iq + v.tail * 16, lo); v.mw(v.iq + v.tail * 16 + 8, hi); v.tail += 1
    v.rw(IQT, v.tail << 4, 8)
def d_iotlb(g, did=0, addr=0, am=0): return (2 | (g << 4) | (did << 16), addr | am)
def d_cc(g, did=0, sid=0, fm=0): return (1 | (g << 4) | (did << 16) | (sid << 32) | (fm << 48), 0)
def d_iec(index=None, im=0): return (4, 0) if index is None else (4 | 0x10 | (im << 27) | (index << 32), 0)
def d_wait(addr, data, sw=True, iflag=False, fn=False): return (5 | (0x10 if iflag else 0) | (0x20 if sw else 0) | (0x40 if fn else 0) | (data << 32), addr)

@vec
def _():
    v = V("vtd-iotlb-stale-until-domain-invalidation-through-the-queue", "Queued invalidation: descriptors take effect only when the queue is ticked; a domain-selective IOTLB descriptor for another DID leaves the stale entry, the one for its DID flushes it; a wait descriptor then writes its status.")
    stale_setup(v)
    qi_enable(v)
    submit(v, [d_iotlb(2, did=6), d_iotlb(2, did=5), d_wait(0x9000, 0x600d)])
    v.ok(DEV, 0x7000, 0x111000, comment="queued, not yet processed")
    v.tick(1)
    v.ok(DEV, 0x7000, 0x111000, comment="DID 6 does not cover DID 5")
    v.rr(IQH, 1 << 4, 8)
    v.mr(0x9000, 0, 4)
    v.tick(2)
    v.ok(DEV, 0x7000, 0x222000)
    v.mr(0x9000, 0x600d, 4)
    v.rr(IQH, 3 << 4, 8)
    v.write()

@vec
def _():
    v = V("vtd-context-cache-stale-until-device-invalidation", "A changed context entry keeps being used until a context-cache invalidation covers the device: device-selective for a sibling function with FM=0 and domain-selective for another domain do not; FM=3 (function bits ignored) does. CAIG reports the granularity done. The IOTLB is invalidated separately, as software must.")
    stale_setup(v)
    v.context(0, 0x18, 0, 4, 5, tt=2)
    v.rw(IOTLB, (1 << 63) | (1 << 60), 8, comment="IOTLB global (does not touch the context-cache)")
    v.ok(DEV, 0x7000, 0x222000, comment="old context entry still cached: still translated")
    v.rw(CCMD, (1 << 63) | (3 << 61) | (0x19 << 16) | 5, 8, comment="device-selective, SID 00:03.1, FM 0")
    v.rr(CCMD, 3 << 59, 8, mask=(1 << 63) | (3 << 59))
    v.ok(DEV, 0x7000, 0x222000)
    v.rw(CCMD, (1 << 63) | (2 << 61) | 6, 8, comment="domain-selective, DID 6")
    v.ok(DEV, 0x7000, 0x222000)
    v.rw(CCMD, (1 << 63) | (3 << 61) | (3 << 32) | (0x19 << 16) | 5, 8, comment="device-selective, SID 00:03.1, FM 3")
    v.ok(DEV, 0x7000, 0x7000, comment="pass-through now")
    v.write()

@vec
def _():
    v = V("vtd-context-cache-domain-invalidation-through-the-queue", "A context-cache descriptor (type 1) with domain granularity flushes the cached context of its domain only.", devices=(DEV, DEV2))
    v.root(); top = v.domain()
    v.context(0, 0x18, top, 4, 1); v.context(0, 0x20, top, 4, 2)
    v.map(top, 4, 0x7000, 0x111000)
    v.cmd(TE)
    v.ok(DEV, 0x7000, 0x111000); v.ok(DEV2, 0x7000, 0x111000)
    v.context(0, 0x18, 0, 4, 1, tt=2); v.context(0, 0x20, 0, 4, 2, tt=2)
    qi_enable(v)
    submit(v, [d_cc(2, did=2)])
    v.tick(1)
    v.ok(DEV, 0x7000, 0x111000, comment="domain 1: still cached")
    v.ok(DEV2, 0x7000, 0x7000, comment="domain 2: re-read, pass-through")
    v.write()

@vec
def _():
    v = V("vtd-register-invalidation-ignored-while-queued-invalidation-enabled", "With QIES set, register-based invalidation must not be used: the model ignores it and ICC / IVT stay set (as QEMU).")
    stale_setup(v)
    qi_enable(v)
    v.rw(CCMD, (1 << 63) | (1 << 61), 8)
    v.rw(IOTLB, (1 << 63) | (1 << 60), 8)
    v.rr(CCMD, 1 << 63, 8, mask=1 << 63)
    v.rr(IOTLB, 1 << 63, 8, mask=1 << 63)
    v.ok(DEV, 0x7000, 0x111000)
    v.write()

@vec
def _():
    v = V("vtd-queue-wait-interrupt", "A wait descriptor with IF sets ICS.IWC and sends the invalidation completion event (IEADDR/IEDATA) when IECTL.IM is clear; a second one while IWC is set sends nothing; clearing IWC (RW1C) clears it.")
    qi_enable(v)
    v.rw(IEDATA, 0x51); v.rw(IEADDR, 0xfee02000); v.rw(IECTL, 0)
    submit(v, [d_wait(0, 0, sw=False, iflag=True), d_wait(0, 0, sw=False, iflag=True, fn=True)])
    v.interrupts([])
    v.tick(2)
    v.rr(ICS, 1)
    v.interrupts([(2, 0x51)])
    v.rw(ICS, 1)
    v.rr(ICS, 0)
    v.write()

@vec
def _():
    v = V("vtd-queue-error-on-reserved-bits", "A descriptor with reserved bits set (IOTLB descriptor bit 8) sets FSTS.IQE, raises a fault event, and stops the queue with IQH on the bad descriptor; the following wait is not processed until software repairs it and clears IQE.")
    qi_enable(v)
    v.rw(FEDATA, 0x70); v.rw(FEADDR, 0xfee00000); v.rw(FECTL, 0)
    submit(v, [d_wait(0x9000, 1), (2 | (1 << 4) | 0x100, 0), d_wait(0x9004, 2)])
    v.tick(10)
    v.rr(IQH, 1 << 4, 8, comment="head on the bad descriptor")
    v.rr(FSTS, 0x10, mask=0x10)
    v.mr(0x9000, 1, 4)
    v.mr(0x9004, 0, 4)
    v.interrupts([(0, 0x70)])
    v.mw(v.iq + 16, 2 | (1 << 4), comment="repaired: IOTLB global")
    v.rw(FSTS, 0x10, comment="clear IQE")
    v.tick(10)
    v.mr(0x9004, 2, 4)
    v.rr(IQH, 3 << 4, 8)
    v.write()

@vec
def _():
    v = V("vtd-queue-error-on-unknown-type", "Descriptor types the unit does not support (0, and the scalable-mode PASID-based types 6-8 with ECAP.SMTS=0) set IQE.")
    qi_enable(v)
    submit(v, [(6, 0)])
    v.tick(1)
    v.rr(FSTS, 0x10, mask=0x10)
    v.rr(IQH, 0, 8)
    v.write()

@vec
def _():
    v = V("vtd-queue-processes-only-count-per-tick", "Each tick lets the unit process at most `count` descriptors, in queue order.")
    qi_enable(v)
    submit(v, [d_wait(0x9000 + 4 * i, i + 1) for i in range(5)])
    v.tick(2)
    v.mr(0x9004, 2, 4); v.mr(0x9008, 0, 4)
    v.rr(IQH, 2 << 4, 8)
    v.tick(3)
    v.mr(0x9010, 5, 4)
    v.rr(IQH, 5 << 4, 8)
    v.write()

# ---------------------------------------------------------------- interrupt remapping
def ir_enable(v, s=7, eime=False, cfi=False):
    v.irt = v.page()
    for _ in range(1, (2 << s) * 16 // 0x1000): v.page()
    v.rw(IRTA, v.irt | (0x800 if eime else 0) | s, 8)
    v.cmd(SIRTP)
    if cfi: v.cmd(CFI)
    v.cmd(IRE)
def irte(v, i, lo, hi):
    v.mw(v.irt + i * 16, lo); v.mw(v.irt + i * 16 + 8, hi)
def remapped(vector, dest, x2=False, svt=0, sq=0, sid=0, fpd=False):
    return (1 | (2 if fpd else 0) | (vector << 16) | ((dest if x2 else dest << 8) << 32), sid | (sq << 16) | (svt << 18))
def raddr(handle, shv=False):
    return 0xfee00000 | ((handle & 0x7fff) << 5) | 0x10 | (8 if shv else 0) | (((handle >> 15) & 1) << 2)
def delivered(d, vec): return {"result": "delivered", "dest": d, "vector": vec}
def blocked(r): return {"result": "blocked", "reason": r}

@vec
def _():
    v = V("vtd-ir-remapped-delivery-xapic", "A remappable-format MSI (address bit 4) indexes the IRTE by its handle; the IRTE's vector and xAPIC destination (DST bits 15:8 with EIME=0) are delivered.")
    ir_enable(v)
    irte(v, 40, *remapped(0x31, 6))
    v.msi(DEV, raddr(40), 0, delivered(6, 0x31))
    v.interrupts([(6, 0x31)])
    v.write()

@vec
def _():
    v = V("vtd-ir-x2apic-subhandle", "With SHV the subhandle (data 15:0) is added to the handle; handle bit 15 comes from address bit 2; with IRTA.EIME the 32-bit DST is the x2APIC id.")
    ir_enable(v, s=15, eime=True)
    irte(v, 0x8007, *remapped(0x90, 0x12345, x2=True))
    v.msi(DEV, raddr(0x8003, shv=True), 4, delivered(0x12345, 0x90))
    v.write()

def ir_fault_vec(name, reason, desc, setup, index=5, fpd_rec=True):
    v = V(name, desc, memory=[{"base": "0x0", "size": "512MiB"}], devices=(DEV, DEV3))
    ir_enable(v)
    lo, hi = remapped(0x31, 6)
    addr, data, rid, rec_index = raddr(index), 0, DEV, index
    r = setup(v, lo, hi)
    if r: lo, hi, addr, data, rid, rec_index = r
    irte(v, index, lo, hi)
    v.msi(rid, addr, data, blocked(reason))
    v.interrupts([])
    sid = DEV_RID if rid == DEV else DEV3_RID
    v.frcd(0, rec_index << 48, hi_rec(reason, sid, False), comment="IR fault: FI 63:48 = index, FR, SID")
    v.write()

vec(lambda: ir_fault_vec("vtd-ir-fault-20-subhandle-data-reserved", 0x20, "With SHV, data bits 31:16 are reserved: 0x20, checked before anything else (the IRTE is not even present here).",
    lambda v, lo, hi: (0, 0, raddr(5, shv=True), 0x10000, DEV, 5)))
vec(lambda: ir_fault_vec("vtd-ir-fault-21-index-beyond-table", 0x21, "An index at or above the table size (2^(S+1) = 256 entries for S=7) faults with 0x21.",
    lambda v, lo, hi: (lo, hi, raddr(256), 0, DEV, 256)))
vec(lambda: ir_fault_vec("vtd-ir-fault-22-entry-not-present", 0x22, "An IRTE with P=0 faults with 0x22.",
    lambda v, lo, hi: (lo & ~1, hi, raddr(5), 0, DEV, 5)))
def ir23():
    v = V("vtd-ir-fault-23-table-unbacked", "An interrupt remapping table in memory that does not exist faults with 0x23 on the IRTE fetch.", memory=[{"base": "0x0", "size": "512MiB"}])
    v.rw(IRTA, 0x20000000 | 7, 8); v.cmd(SIRTP); v.cmd(IRE)
    v.msi(DEV, raddr(3), 0, blocked(0x23))
    v.frcd(0, 3 << 48, hi_rec(0x23, DEV_RID, False))
    v.write()
vec(ir23)
vec(lambda: ir_fault_vec("vtd-ir-fault-24-entry-reserved", 0x24, "In xAPIC mode (EIME=0) DST bits 7:0 are reserved: 0x24.",
    lambda v, lo, hi: (lo | (1 << 32), hi, raddr(5), 0, DEV, 5)))
vec(lambda: ir_fault_vec("vtd-ir-fault-26-svt-reserved-never-verifies", 0x26, "SVT=3 (reserved) can never verify the source: 0x26 (as QEMU and VirtualBox).",
    lambda v, lo, hi: (lo, hi | (3 << 18), raddr(5), 0, DEV, 5)))
vec(lambda: ir_fault_vec("vtd-ir-fault-26-requester-id-mismatch", 0x26, "SVT=1, SQ=0: the requester id must equal the IRTE SID; 02:00.1 against SID 00:03.0 faults with 0x26.",
    lambda v, lo, hi: (*remapped(0x31, 6, svt=1, sid=DEV_RID), raddr(5), 0, DEV3, 5)))
vec(lambda: ir_fault_vec("vtd-ir-fault-26-bus-outside-range", 0x26, "SVT=2: the requester's bus must lie in [SID 15:8, SID 7:0] (start bus, end bus); bus 0 outside 1..3 faults with 0x26.",
    lambda v, lo, hi: (*remapped(0x31, 6, svt=2, sid=0x0103), raddr(5), 0, DEV, 5)))
vec(lambda: ir_fault_vec("vtd-ir-fault-27-posted-descriptor-unbacked", 0x27, "A posted-format IRTE (IM=1) whose descriptor address is not backed faults with 0x27.",
    lambda v, lo, hi: (1 | (1 << 15) | (0x31 << 16), 1 << 32, raddr(5), 0, DEV, 5)))

@vec
def _():
    v = V("vtd-ir-fault-25-compatibility-format", "With IRE set, a compatibility-format MSI (address bit 4 clear) is blocked with 0x25 while GSTS.CFIS is clear, and delivered unremapped once CFI is set.")
    ir_enable(v)
    v.msi(DEV, 0xfee06000, 0x31, blocked(0x25))
    v.frcd(0, 0, hi_rec(0x25, DEV_RID, False))
    v.cmd(CFI)
    v.msi(DEV, 0xfee06000, 0x31, delivered(6, 0x31))
    v.write()

@vec
def _():
    v = V("vtd-ir-compatibility-blocked-in-x2apic-mode", "With IRTA.EIME set, compatibility-format interrupts are blocked (0x25) even when CFIS is set.")
    ir_enable(v, eime=True, cfi=True)
    v.msi(DEV, 0xfee06000, 0x31, blocked(0x25))
    v.write()

@vec
def _():
    v = V("vtd-ir-disabled-passes-unremapped", "With GSTS.IRES clear interrupts are not remapped: the address/data are delivered as a compatibility-format MSI.")
    v.msi(DEV, 0xfee05000, 0x41, delivered(5, 0x41))
    v.write()

@vec
def _():
    v = V("vtd-ir-fpd-suppresses-recording", "FPD=1 in an IRTE suppresses recording of its qualified faults (0x22): blocked, not recorded.")
    ir_enable(v)
    irte(v, 3, 2, 0)
    v.msi(DEV, raddr(3), 0, blocked(0x22))
    v.rr(FRCD + 8, 0, 8)
    v.write()

@vec
def _():
    v = V("vtd-ir-source-id-qualifier", "SVT=1 with SQ=3 ignores function bits 2:0: 02:00.1 matches SID 02:00.6; SVT=2 accepts a bus inside the range.", devices=(DEV3,))
    ir_enable(v)
    irte(v, 1, *remapped(0x31, 6, svt=1, sq=3, sid=0x0206))
    irte(v, 2, *remapped(0x32, 7, svt=2, sid=0x0103))
    v.msi(DEV3, raddr(1), 0, delivered(6, 0x31))
    v.msi(DEV3, raddr(2), 0, delivered(7, 0x32))
    v.write()

@vec
def _():
    v = V("vtd-ir-posted-interrupt", "A posted-format IRTE (IM=1) posts to its descriptor (VT-d 9.12): the PIR bit of the vector and ON are set, and the notification vector goes to NDST once; the outcome is 'posted'.")
    ir_enable(v)
    pd = 0x80040
    v.mw(pd + 32, (0x0700 << 32) | (0xf2 << 16), comment="NDST xAPIC 7, NV 0xf2, ON=0, SN=0")
    irte(v, 4, 1 | (1 << 15) | (0x45 << 16) | ((pd >> 6) << 38), (pd >> 32) << 32)
    v.msi(DEV, raddr(4), 0, {"result": "posted", "vector": 0x45})
    v.mr(pd + 8, 1 << 5, comment="PIR bit 0x45")
    v.mr(pd + 32, 1, mask=1, comment="ON")
    v.interrupts([(7, 0xf2)])
    v.msi(DEV, raddr(4), 0, {"result": "posted", "vector": 0x45})
    v.interrupts([], comment="ON already set: no second notification")
    v.write()

@vec
def _():
    v = V("vtd-ir-entry-cache-stale-until-invalidated", "The interrupt entry cache keeps a changed IRTE until an IEC invalidation covers its index: index 12 with IM=1 (12-13) does not, index 9 with IM=2 (8-11) does.")
    ir_enable(v)
    qi_enable(v)
    irte(v, 10, *remapped(0x31, 6))
    v.msi(DEV, raddr(10), 0, delivered(6, 0x31))
    irte(v, 10, *remapped(0x77, 6))
    v.msi(DEV, raddr(10), 0, delivered(6, 0x31))
    submit(v, [d_iec(12, 1)]); v.tick(1)
    v.msi(DEV, raddr(10), 0, delivered(6, 0x31))
    submit(v, [d_iec(9, 2)]); v.tick(1)
    v.msi(DEV, raddr(10), 0, delivered(6, 0x77))
    irte(v, 10, *remapped(0x78, 6))
    submit(v, [d_iec()]); v.tick(1)
    v.msi(DEV, raddr(10), 0, delivered(6, 0x78))
    v.write()

@vec
def _():
    v = V("vtd-dma-write-to-interrupt-window-is-remapped", "A DWORD DMA write to 0xFEEx_xxxx is an interrupt request (VT-d 3.14), not a memory write, even with a DMA mapping there: it goes through interrupt remapping.")
    top = dev_setup(v); v.map(top, 4, 0xfee00000, 0x300000); v.cmd(TE)
    ir_enable(v)
    irte(v, 1, *remapped(0x55, 2))
    v.dma(DEV, raddr(1), True, 0, 4, expect={"result": "interrupt", "interrupt": "delivered", "dest": 2, "vector": 0x55})
    v.mr(0x300000, 0, 4, comment="memory untouched")
    v.write()

# ---------------------------------------------------------------- registers and platform
@vec
def _():
    v = V("vtd-cap-ecap-and-register-placement", "CAP/ECAP report the unit: ND=6, SAGAW, MGAW-1, FRO/16, SLLPS 2M+1G, PSI, NFR-1, MAMV 18, PI; ECAP C, QI, IR, EIM, PT, IRO/16, MHMV 15, SMTS=0. The IOTLB registers sit at ECAP.IRO and the fault records at CAP.FRO.",
          aw=57, unit_extra={"sagaw": "0xe", "fro": "0x400", "nfr": 8, "iro": "0x500"})
    cap = 6 | (0xe << 8) | (56 << 16) | ((0x400 // 16) << 24) | (3 << 34) | (1 << 39) | (7 << 40) | (18 << 48) | (1 << 59)
    ecap = 1 | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 6) | ((0x500 // 16) << 8) | (0xf << 20)
    v.rr(VER, 0x10)
    v.rr(CAP, cap, 8)
    v.rr(ECAP, ecap, 8)
    top = dev_setup(v, levels=5)
    leaf = v.map(top, 5, 0x7000, 0x111000)
    v.cmd(TE)
    v.ok(DEV, 0x7000, 0x111000)
    v.mw(leaf, 0)
    v.rw(0x500 + 8, (1 << 63) | (1 << 60), 8, comment="IOTLB global at IRO+8")
    v.rr(0x500 + 8, 1 << 57, 8, mask=(1 << 63) | (3 << 57))
    v.fault(DEV, 0x7000, 0x6)
    v.rr(0x400, 0x7000, 8, comment="FRCD0 at CAP.FRO")
    v.rr(0x408, hi_rec(0x6, DEV_RID, True), 8)
    v.write()

@vec
def _():
    v = V("vtd-global-command-protocol", "GCMD is write-only (reads 0); each command is one bit changed against GSTS, and GSTS reflects it when the write completes; clearing TE while keeping the other persistent bits turns off translation only.")
    v.rw(RTADDR, 0x200000, 8)
    v.cmd(SRTP)
    v.rr(GCMD, 0)
    v.cmd(TE); v.cmd(QIE); v.cmd(SIRTP); v.cmd(IRE); v.cmd(CFI)
    v.rr(GSTS, TE | SRTP | QIE | IRE | SIRTP | CFI)
    v.cmd(TE, on=False)
    v.rr(GSTS, SRTP | QIE | IRE | SIRTP | CFI)
    v.rr(RTADDR, 0x200000, 8)
    v.rw(RTADDR, 0xffffffffffffffff, 8)
    v.rr(RTADDR, 0x0000fffffffff000, 8, comment="HAW 48; TTM (11:10) reads 0 without scalable mode")
    v.write()

@vec
def _():
    m0, m1 = "dmar-gfx", "dmar-all"
    units = [{"id": m0, "mmio": "0xfed90000", "aw": 39, "scope": ["0000:00:02.0"]},
             {"id": m1, "mmio": "0xfed91000", "aw": 48}]
    v = V("vtd-two-units-device-scope", "Two DMAR units: one with a device scope (00:02.0), one without (INCLUDE_PCI_ALL). Each device is translated by its own unit's tables; the scoped unit's translation being off leaves its device untranslated.",
          units=units, devices=("0000:00:02.0", DEV))
    v.rr(CAP, (38 << 16), 8, mask=0x3f << 16, unit=m0)
    v.rr(CAP, (47 << 16), 8, mask=0x3f << 16, unit=m1)
    v.rt = 0x100000; v.ctab = {}
    v.rw(RTADDR, v.rt, 8, unit=m1); v.cmd(SRTP, unit=m1)
    top = v.domain(); v.context(0, 0x18, top, 4, 1); v.map(top, 4, 0x7000, 0x111000)
    v.cmd(TE, unit=m1)
    v.ok(DEV, 0x7000, 0x111000)
    v.ok("0000:00:02.0", 0x7000, 0x7000, comment="served by dmar-gfx, translation off")
    v.write()

for f in ALL: f()
print(len(os.listdir(OUT)), "files")
