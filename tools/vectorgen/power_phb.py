"""Generates reference/vectors/power-phb/*.vec.json (formats.md §4, platform power-phb).

Expectations are written from skiboot hw/phb4.c / core/pci-opal.c and Linux pci-ioda.c as facts/opal-pci.md gives
them (PE numbers: Linux's boot assignment; TCE tables: big-endian, every level 512 entries), not from the model's output.
Run: python3 tools/vectorgen/power_phb.py
"""
import json, os
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference", "vectors", "power-phb")
H=lambda v: hex(v)
MEM=[{"base":"0x0","size":"64MiB"}]
UNIT={"id":"phb0","phb_id":0,"mmio":"0x603000000000",
      "m32":{"cpu_base":"0x600000000000","pci_base":"0x80000000","size":"2GiB"},
      "m64":{"cpu_base":"0x620000000000","pci_base":"0x620000000000","size":"64GiB"}}
TOPO={"devices":[
 {"bdf":"0000:00:00.0","kind":"root-port","vendor":"0x1014","device":"0x04c1","secondary":1,"subordinate":4},
 {"bdf":"0000:01:00.0","kind":"upstream-port","vendor":"0x10b5","device":"0x8725","secondary":2,"subordinate":4},
 {"bdf":"0000:02:01.0","kind":"downstream-port","vendor":"0x10b5","device":"0x8725","secondary":3,"subordinate":3},
 {"bdf":"0000:02:02.0","kind":"downstream-port","vendor":"0x10b5","device":"0x8725","secondary":4,"subordinate":4},
 {"bdf":"0000:03:00.0","kind":"endpoint","vendor":"0x1b36","device":"0x0005","bars":[{"index":0,"size":"64KiB","kind":"mem32","base":"0x80400000"}]},
 {"bdf":"0000:04:00.0","kind":"endpoint","vendor":"0x1b36","device":"0x0005","bars":[{"index":0,"size":"64KiB","kind":"mem32","base":"0x80800000"}]}]}
A="0000:03:00.0"; B="0000:04:00.0"; D1="0000:02:01.0"
PEA,PEB,PE2,PE1,PER=507,506,508,509,510
BARA=0x600000400000; BARB=0x600000800000
def opal(call,args,rc=None,out=None):
    s={"op":"opal","call":call,"args":[a if isinstance(a,int) and a<1000000 else H(a) for a in args]}
    if rc is not None:
        e={"rc":rc}
        if out is not None: e["out"]=[H(o) if o>1000 else o for o in out]
        s["expect"]=e
    return s
def tce(addr,val): return {"op":"mem.write","addr":H(addr),"bytes":format(val,"016x")}
def dma(rid,addr,dirn,width=4,value=None,expect=None):
    s={"op":"dma","rid":rid,"addr":H(addr),"width":width,"dir":dirn}
    if value is not None: s["value"]=H(value)
    if expect is not None: s["expect"]=expect
    return s
def ok(pa=None,value=None):
    e={"result":"ok"}
    if pa is not None: e["pa"]=H(pa)
    if value is not None: e["value"]=H(value)
    return e
def frozen(pe): return {"result":"frozen","pe":pe}
def status(pe,state): return opal("OPAL_PCI_EEH_FREEZE_STATUS",[0,pe],0,[state,0])
def memread(addr,width,val): return {"op":"mem.read","addr":H(addr),"width":width,"expect":H(val)}
def cpur(addr,width,val): return {"op":"cpu.read","addr":H(addr),"width":width,"expect":H(val)}
def cpuw(addr,width,val): return {"op":"cpu.write","addr":H(addr),"width":width,"value":H(val)}
def window(pe,win,levels,root,size,page,rc=0): return opal("OPAL_PCI_MAP_PE_DMA_WINDOW",[0,pe,pe*2+win,levels,root,size,page],rc)
def kill(t,pe,size=0,addr=0,n=0,rc=0): return opal("OPAL_PCI_TCE_KILL",[0,t,pe,size,addr,n],rc)
V={}
def vec(name,desc,steps,topo=TOPO):
    V[name]={"name":name,"platform":"power-phb","description":desc,"memory":MEM,"units":[UNIT],"topology":topo,"steps":steps}
R=0x1000000
# XIVE (skiboot hw/xive.c): phb4_create allocates num_irqs (4096) girqs with xive_alloc_hw_irqs, top-down from the end
# of chip 0's block (2^20), so PHB 0's base_msi is 0x100000 - 0x1000; girq = base_msi + source. Every EAS starts valid,
# masked, EQ data = girq. OPAL_XIVE_SET_IRQ_CONFIG(girq, vp, prio, lirq): prio 0..7 or 0xff (mask), VP = a PIR.
IRQ_BASE=(1<<20)-4096
def girq(src): return IRQ_BASE+src
def msi64(src): return ((1<<60)|((src<<4)&0xFFFFFFFFFFFFFE0F), src&0x1f)
def route(src,vp,prio,lirq,rc=0): return opal("OPAL_XIVE_SET_IRQ_CONFIG",[girq(src),vp,prio,lirq],rc)
def irqcfg(src,vp=None,prio=None,lirq=None,rc=0):
    return opal("OPAL_XIVE_GET_IRQ_CONFIG",[girq(src)],rc,None if rc else [vp,prio,lirq])
def msi(rid,src,expect,data=None):
    a,d=msi64(src)
    return {"op":"msi","rid":rid,"addr":H(a),"data":d if data is None else data,"expect":expect}
def delivered(vp,lirq): return {"result":"delivered","dest":vp,"vector":H(lirq)}
BLOCKED={"result":"blocked"}

vec("power-tce-1level-4k","One-level TCE table, 4 KiB IO pages: IO page 5 maps to real page 0x300000 with R|W.",[
 window(PEA,0,1,R,0x1000,0x1000),
 tce(R+5*8,0x300003),
 dma(A,0x5010,"write",4,0xdeadbeef,ok(0x300010)),
 memread(0x300010,4,0xdeadbeef),
 dma(A,0x5010,"read",4,expect=ok(0x300010,0xdeadbeef)),
 status(PEA,0)])
vec("power-tce-2level-64k","Two-level table (512-entry levels, Linux layout), 64 KiB IO pages: root index 256, leaf index 3.",[
 window(PEA,0,2,R,0x1000,0x10000),
 tce(R+256*8,0x1001003), tce(0x1001000+3*8,0x400003),
 dma(A,0x200031234,"write",4,0x11223344,ok(0x401234)),
 dma(A,0x200031234,"read",4,expect=ok(0x401234,0x11223344))])
addr3=(1<<47)|(5<<30)|(7<<21)|0x1abc
vec("power-tce-3level-2m-read-only","Three-level table, 2 MiB IO pages, a read-only TCE: the read translates, the write freezes the PE (MMIO and DMA).",[
 window(PEA,0,3,R,0x1000,0x200000),
 tce(R+256*8,0x1001003), tce(0x1001000+5*8,0x1002003), tce(0x1002000+7*8,0x600001),
 dma(A,addr3,"read",4,expect=ok(0x601abc)),
 dma(A,addr3,"write",4,1,frozen(PEA)),
 status(PEA,3),
 dma(A,addr3,"read",4,expect=frozen(PEA))])
vec("power-tce-4level-1g","Four-level table, 1 GiB IO pages: IO page 2 maps to the 1 GiB real page at 0.",[
 window(PEA,0,4,R,0x1000,0x40000000),
 tce(R,0x1001003), tce(0x1001000,0x1002003), tce(0x1002000,0x1003003), tce(0x1003000+2*8,0x3),
 dma(A,0x80000345,"write",4,0xcafe,ok(0x345)),
 memread(0x345,4,0xcafe)])
addr5=(1<<56)|0x3010
vec("power-tce-5level-4k","Five levels (the most OPAL accepts), 4 KiB pages: the top index comes from address bits 48..56.",[
 window(PEA,0,5,R,0x1000,0x1000),
 tce(R+256*8,0x1001003), tce(0x1001000,0x1002003), tce(0x1002000,0x1003003), tce(0x1003000,0x1004003), tce(0x1004000+3*8,0x700003),
 dma(A,addr5,"write",4,0x5a5a,ok(0x700010))])
vec("power-tce-write-only-read-freezes","A read through a write-only TCE freezes the PE; the sibling PE is untouched.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R,0x300002),
 dma(A,0x8,"write",4,7,ok(0x300008)),
 dma(A,0x8,"read",4,expect=frozen(PEA)),
 status(PEA,3), status(PEB,0)])
vec("power-tce-invalid-tce-freezes","A leaf TCE with neither R nor W freezes the PE.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R+8,0x300000),
 dma(A,0x1000,"write",4,7,frozen(PEA)), status(PEA,3)])
vec("power-tce-invalid-indirect-freezes","An indirect TCE without R/W stops the walk and freezes the PE, even with a valid leaf below it.",[
 window(PEA,0,2,R,0x1000,0x1000), tce(R,0x1001000), tce(0x1001000+1*8,0x300003),
 dma(A,0x1000,"read",4,expect=frozen(PEA)), status(PEA,3)])
vec("power-tce-table-unbacked-freezes","A TCE table outside memory: the fetch fails and the PE freezes (no exception, no access).",[
 window(PEA,0,3,0x7000000000,0x1000,0x1000),
 dma(A,0x1000,"write",4,1,frozen(PEA))])
vec("power-dma-out-of-window-freezes-only-its-pe","512 TCEs of 4 KiB make a 2 MiB window: a DMA at 2 MiB freezes PE 507; PE 506 keeps working.",[
 window(PEA,0,1,R,0x1000,0x1000), window(PEB,0,1,0x1010000,0x1000,0x1000),
 tce(R,0x300003), tce(0x1010000,0x310003),
 dma(A,0x200000,"write",4,1,frozen(PEA)),
 dma(B,0x10,"write",4,0xabcd,ok(0x310010)),
 memread(0x310010,4,0xabcd),
 status(PEA,3), status(PEB,0),
 dma(A,0x0,"write",4,1,frozen(PEA))])
vec("power-dma-without-window-freezes","At boot Linux has not mapped any window: the first DMA freezes the PE, and OPAL_PCI_NEXT_ERROR names it.",[
 opal("OPAL_PCI_NEXT_ERROR",[0],0,[0xffffffffffffffff,0,0]),
 dma(B,0x1000,"read",4,expect=frozen(PEB)),
 opal("OPAL_PCI_NEXT_ERROR",[0],0,[PEB,3,4]),
 status(PEB,3), status(PEA,0)])
vec("power-bypass-window","A non-translating TVE#1 (map_pe_dma_window_real at 1<<59, 32 MiB) passes bus addresses through; beyond its end the PE freezes.",[
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,1<<59,0x2000000],0),
 dma(A,(1<<59)|0x123450,"write",4,0x77,ok(0x123450)),
 memread(0x123450,4,0x77),
 dma(A,(1<<59)|0x2000000,"write",4,0x77,frozen(PEA))])
vec("power-bit59-selects-second-window","PCI address bit 59 selects TVE pe*2+1: the same offset reaches two different tables.",[
 window(PEA,0,1,R,0x1000,0x1000), window(PEA,1,1,0x1010000,0x1000,0x1000),
 tce(R+5*8,0x300003), tce(0x1010000+5*8,0x400003),
 dma(A,0x5008,"write",4,1,ok(0x300008)),
 dma(A,(1<<59)|0x5008,"write",4,2,ok(0x400008))])
vec("power-tce-cache-stale-until-pe-kill","A changed TCE is not seen until a TCE kill of the device's PE: a kill of another PE does not help.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R,0x300003),
 dma(A,0x10,"write",4,1,ok(0x300010)),
 tce(R,0x400003),
 dma(A,0x10,"write",4,2,ok(0x300010)),
 kill(1,PEB),
 dma(A,0x10,"write",4,3,ok(0x300010)),
 kill(1,PEA),
 dma(A,0x10,"write",4,4,ok(0x400010))])
vec("power-tce-kill-pages-is-a-pe-kill","PHB4 turns OPAL_PCI_TCE_KILL_PAGES into a PE kill (erratum HW560152): a page kill naming another page still refreshes this one.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R+3*8,0x300003),
 dma(A,0x3000,"read",4,expect=ok(0x300000)),
 tce(R+3*8,0x500003),
 kill(0,PEA,0x1000,0x123000,1),
 dma(A,0x3000,"read",4,expect=ok(0x500000))])
vec("power-tce-kill-all-after-unmap","Clearing a TCE is invisible while the cache holds it; after OPAL_PCI_TCE_KILL ALL the DMA freezes the PE.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R,0x300003),
 dma(A,0x0,"write",4,1,ok(0x300000)),
 tce(R,0x0),
 dma(A,0x0,"write",4,1,ok(0x300000)),
 kill(2,0),
 dma(A,0x0,"write",4,1,frozen(PEA))])
vec("power-tce-kill-register","The PHB_TCE_KILL register (0x210): KILL_PE (IBM bit 1) with PENUM in bits 55:63 drops the PE's cached TCEs.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R,0x300003),
 dma(A,0x0,"write",4,1,ok(0x300000)),
 tce(R,0x400003),
 {"op":"mmio.write","unit":"phb0","offset":"0x210","width":8,"value":H((1<<62)|PEA)},
 dma(A,0x0,"write",4,1,ok(0x400000))])
vec("power-eeh-freeze-set-status-clear","OPAL_PCI_EEH_FREEZE_SET/CLEAR move PESTA (MMIO) and PESTB (DMA) bits; FREEZE_STATUS reports them as 1, 2, 3.",[
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,1],0), status(PEA,1),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,2],0), status(PEA,3),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,1],0), status(PEA,2),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,2],0), status(PEA,0),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,3],0), status(PEA,3),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0), status(PEA,0)])
vec("power-eeh-freeze-call-checks","FREEZE_SET checks the PE and the token; FREEZE_CLEAR checks neither; FREEZE_STATUS has no PE range check; a bad PHB id is OPAL_PARAMETER.",[
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,0],-1),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,4],-1),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,512,3],-1),
 opal("OPAL_PCI_EEH_FREEZE_SET",[1,PEA,3],-1),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,3],0),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,0],0), status(PEA,3),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,4],0), status(PEA,3),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,100000,3],0),
 opal("OPAL_PCI_EEH_FREEZE_STATUS",[0,100000],0,[0,0]),
 opal("OPAL_PCI_EEH_FREEZE_STATUS",[1,0],-1),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[1,0,3],-1)])
vec("power-eeh-frozen-pe-mmio-reads-all-ones","With MMIO frozen, loads from the PE's BAR return all-ones and stores are dropped; the sibling's BAR works; after the clear the old value is back.",[
 cpuw(BARA+0x30,4,0x12345678), cpur(BARA+0x30,4,0x12345678),
 cpur(BARA,4,0x31544d44),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,1],0),
 cpur(BARA+0x30,4,0xffffffff), cpur(BARA,8,0xffffffffffffffff),
 cpuw(BARA+0x30,4,0xdeadbeef),
 cpuw(BARB+0x30,4,0x55), cpur(BARB+0x30,4,0x55),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0),
 cpur(BARA+0x30,4,0x12345678)])
vec("power-eeh-peltv-parent-freezes-children","Linux puts every bus PE in its ancestors' PELT-V: an error in the downstream ports' PE 508 freezes PEs 507 and 506 below it, not 509 or 510 above.",[
 dma(D1,0x1000,"write",4,1,frozen(PE2)),
 status(PE2,3), status(PEA,3), status(PEB,3), status(PE1,0), status(PER,0),
 dma(B,0x0,"read",4,expect=frozen(PEB))])
vec("power-eeh-child-error-spares-parent-and-sibling","An error in PE 507 freezes only PE 507: its parent 508 and sibling 506 keep running.",[
 window(PEB,0,1,0x1010000,0x1000,0x1000), tce(0x1010000,0x310003),
 dma(A,0x1000,"write",4,1,frozen(PEA)),
 status(PEA,3), status(PE2,0), status(PEB,0),
 dma(B,0x0,"write",4,9,ok(0x310000))])
vec("power-eeh-manual-peltv","OPAL_PCI_SET_PELTV adds PE 506 to PE 507's vector: 507's error now freezes 506 too; removing it again stops that.",[
 opal("OPAL_PCI_SET_PELTV",[0,PEA,PEB,1],0),
 dma(A,0x1000,"write",4,1,frozen(PEA)), status(PEB,3),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0), opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEB,3],0),
 opal("OPAL_PCI_SET_PELTV",[0,PEA,PEB,0],0),
 dma(A,0x1000,"write",4,1,frozen(PEA)), status(PEB,0),
 opal("OPAL_PCI_SET_PELTV",[0,512,PEB,1],-1)])
vec("power-m32-stray-load-freezes-owner","A CPU load inside PE 507's M32 segment that no BAR claims reads all-ones and freezes PE 507 only.",[
 cpuw(BARB+0x30,4,0x66),
 cpur(BARA+0x20000,4,0xffffffff),
 status(PEA,3), status(PEB,0),
 cpur(BARB+0x30,4,0x66),
 cpur(BARA+0x30,4,0xffffffff)])
vec("power-m32-stray-store-freezes-owner","A CPU store to an unclaimed address in PE 506's segment freezes PE 506 only.",[
 cpuw(BARB+0x100000,8,1),
 status(PEB,3), status(PEA,0),
 cpur(BARA,4,0x31544d44)])
vec("power-m32-remap-segment","OPAL_PCI_MAP_PE_MMIO_WINDOW(M32) gives segment 1 to PE 100: the stray access now freezes PE 100, and PE 100's freeze hides device A's BAR.",[
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,100,1,0,1],0),
 cpur(BARA+0x20000,4,0xffffffff),
 status(100,3), status(PEA,0),
 cpur(BARA,4,0xffffffff),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,PEA,1,0,1],0),
 cpur(BARA,4,0x31544d44)])
vec("power-m64-split-segment-is-pe","Linux enables the last M64 BAR (31) split over the M64 window: segment n belongs to PE n, so an unclaimed load in segment 7 freezes PE 7.",[
 cpur(0x620000000000+7*0x8000000+0x40,8,0xffffffffffffffff),
 status(7,3), status(8,0), status(PEA,0)])
vec("power-m64-single-pe-bar","A single-PE M64 BAR: configured while disabled (SET_PHB_MEM_WINDOW, MAP_PE_MMIO_WINDOW), enabled NON_SPLIT; then changes are PARTIAL until it is disabled.",[
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,3,0x620000000000,0,0x1000000],0),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,3,2],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,42,2,3,0],0),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,3,1],-1),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,3,2],0),
 cpur(0x620000ff0000,4,0xffffffff),
 status(42,3), status(0,0),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,43,2,3,0],-3),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,3,0x620000000000,0,0x1000000],-3),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,3,0],0),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,3,0x620000000000,0,0x1000000],0)])
vec("power-msi-validation","OPAL_PCI_SET_XIVE_PE gives source 0x123 to PE 507 and XIVE routes it to VP 3: device A raises it (32- or 64-bit MSI), device B is blocked.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x123],0),
 route(0x123,3,6,0x41),
 opal("OPAL_GET_MSI_64",[0,PEA,0x123,1],0,[0x1000000000001200,3]),
 opal("OPAL_GET_MSI_32",[0,PEA,0x123,1],0,[0xffff1200,3]),
 {"op":"msi","rid":A,"addr":"0x1000000000001200","data":3,"expect":{"result":"delivered","dest":3,"vector":"0x41"}},
 {"op":"msi","rid":B,"addr":"0x1000000000001200","data":3,"expect":{"result":"blocked"}},
 {"op":"msi","rid":A,"addr":"0xffff1200","data":3,"expect":{"result":"delivered","dest":3,"vector":"0x41"}},
 {"op":"msi","rid":A,"addr":"0xffff1200","data":4,"expect":{"result":"blocked"}}])
vec("power-msi-frozen-pe-blocked","A PE with DMA stopped cannot raise even its own interrupt; after FREEZE_CLEAR it can.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,7],0),
 route(7,1,5,7),
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,2],0),
 {"op":"msi","rid":A,"addr":"0xffff0000","data":7,"expect":{"result":"blocked"}},
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0),
 {"op":"msi","rid":A,"addr":"0xffff0000","data":7,"expect":{"result":"delivered","dest":1,"vector":7}}])
vec("power-msi-as-dma-write","An MSI is a DMA write into the 64-bit MSI window (top nibble 1): the PHB validates it as an interrupt, never as memory.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEB,40],0),
 route(40,2,6,40),
 dma(B,0x1000000000000280,"write",4,8,{"result":"interrupt","interrupt":"delivered","vector":40}),
 dma(A,0x1000000000000280,"write",4,8,{"result":"interrupt","interrupt":"blocked"}),
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEB,4088],-1),
 opal("OPAL_GET_MSI_64",[0,PEB,40,2],-1)])
vec("power-xive-route-reaches-vp-with-eisn","A routed PHB source reaches exactly the VP its EAS names, with the EAS's EQ data (lirq) as the event; GET_IRQ_CONFIG reads the route back; another PE raising it is blocked.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x35],0),
 route(0x35,5,6,0x51),
 irqcfg(0x35,5,6,0x51),
 msi(A,0x35,delivered(5,0x51)),
 msi(B,0x35,BLOCKED),
 msi(A,0x35,delivered(5,0x51))])
vec("power-xive-boot-eas-is-masked","After xive_alloc_hw_irqs every EAS of the PHB is valid, masked, with EQ data = girq: GET_IRQ_CONFIG answers prio 0xff and lirq = girq, and the source's MSI is dropped.",[
 irqcfg(0,0,0xff,girq(0)),
 irqcfg(4095,0,0xff,girq(4095)),
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0],0),
 msi(A,0,BLOCKED),
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x7ff],0),
 msi(A,0x7ff,BLOCKED)])
vec("power-xive-mask-unmask","prio 0xff sets IVE_MASKED (the route to the VP stays, the lirq is rewritten): nothing is delivered until a real priority unmasks it.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEB,0x200],0),
 route(0x200,4,6,0x60),
 msi(B,0x200,delivered(4,0x60)),
 route(0x200,4,0xff,0x61),
 irqcfg(0x200,4,0xff,0x61),
 msi(B,0x200,BLOCKED),
 route(0x200,4,3,0x62),
 irqcfg(0x200,4,3,0x62),
 msi(B,0x200,delivered(4,0x62))])
vec("power-xive-retarget","Re-targeting an EAS moves the source to the new VP and lirq at once.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x41],0),
 route(0x41,2,6,0x30),
 msi(A,0x41,delivered(2,0x30)),
 route(0x41,9,0,0x99),
 msi(A,0x41,delivered(9,0x99)),
 irqcfg(0x41,9,0,0x99)])
vec("power-xive-set-irq-config-checks","OPAL_XIVE_SET_IRQ_CONFIG: a girq with no valid EAS, prio 8..0xfe, a group VP (bit 31), a VP-block VP (bit 30) or a PIR that does not exist are OPAL_PARAMETER and change nothing; the VP argument is truncated to 32 bits.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x66],0),
 opal("OPAL_XIVE_SET_IRQ_CONFIG",[IRQ_BASE-1,1,6,0x40],-1),
 opal("OPAL_XIVE_SET_IRQ_CONFIG",[IRQ_BASE+4096,1,6,0x40],-1),
 opal("OPAL_XIVE_SET_IRQ_CONFIG",[0x10,1,6,0x40],-1),
 route(0x66,1,8,0x40,-1),
 route(0x66,1,0xfe,0x40,-1),
 route(0x66,0x80000001,6,0x40,-1),
 route(0x66,0x40000001,6,0x40,-1),
 route(0x66,4096,6,0x40,-1),
 route(0x66,4096,0xff,0x40,-1),
 irqcfg(0x66,0,0xff,girq(0x66)),
 msi(A,0x66,BLOCKED),
 route(0x66,0x100000007,6,0x40),
 irqcfg(0x66,7,6,0x40),
 msi(A,0x66,delivered(7,0x40))])
vec("power-xive-get-irq-config-checks","OPAL_XIVE_GET_IRQ_CONFIG: a girq outside the PHB's sources is OPAL_PARAMETER; the 8 LSIs at the top have EASs too, but an MSI cannot raise them even when routed.",[
 opal("OPAL_XIVE_GET_IRQ_CONFIG",[IRQ_BASE-1],-1),
 opal("OPAL_XIVE_GET_IRQ_CONFIG",[IRQ_BASE+4096],-1),
 irqcfg(4088,0,0xff,girq(4088)),
 route(4088,1,6,0x70),
 irqcfg(4088,1,6,0x70),
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,4088],-1),
 msi(A,4088,BLOCKED)])
vec("power-xive-ioda-reset-keeps-eas","OPAL_PCI_RESET(IODA_TABLE) clears the MIST (every source back to PE 0) and the RTT; the XIVE's EAS is not the PHB's and keeps its route.",[
 opal("OPAL_PCI_SET_XIVE_PE",[0,PEA,0x90],0),
 route(0x90,6,6,0x77),
 msi(A,0x90,delivered(6,0x77)),
 opal("OPAL_PCI_RESET",[0,6,1],0),
 msi(A,0x90,BLOCKED),
 irqcfg(0x90,6,6,0x77)])
vec("power-opal-set-pe","OPAL_PCI_SET_PE: argument checks, then a 6-bit bus compare maps buses 4..7 to PE 42 (device B's DMA now freezes PE 42); UNMAP returns them to the reserved PE 511.",[
 opal("OPAL_PCI_SET_PE",[0,42,0x400,5,0,0,2],-1),
 opal("OPAL_PCI_SET_PE",[0,512,0x400,5,0,0,1],-1),
 opal("OPAL_PCI_SET_PE",[0,42,0x10000,5,0,0,1],-1),
 opal("OPAL_PCI_SET_PE",[0,42,0x400,8,0,0,1],-1),
 opal("OPAL_PCI_SET_PE",[0,42,0x400,5,2,0,1],-1),
 opal("OPAL_PCI_SET_PE",[0,42,0x400,5,0,2,1],-1),
 opal("OPAL_PCI_SET_PE",[3,42,0x400,5,0,0,1],-1),
 opal("OPAL_PCI_SET_PE",[0,42,0x400,5,0,0,1],0),
 dma(B,0x0,"read",4,expect=frozen(42)),
 opal("OPAL_PCI_SET_PE",[0,1,0x400,5,0,0,0],0),
 dma(B,0x0,"read",4,expect=frozen(511)),
 dma(A,0x0,"read",4,expect=frozen(PEA))])
vec("power-opal-map-pe-dma-window-checks","OPAL_PCI_MAP_PE_DMA_WINDOW checks in skiboot's order: PE/window, size 0 disables, levels 1..5, power-of-two size >= 4K, TCE_TABLE_SIZE <= 31, PHB4 page sizes.",[
 window(512,0,1,R,0x1000,0x1000,-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW",[0,PEA,PEB*2,1,R,0x1000,0x1000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW",[0,PEA,PEA*2,9,3,0,7],0),
 window(PEA,0,0,R,0x1000,0x1000,-1),
 window(PEA,0,6,R,0x1000,0x1000,-1),
 window(PEA,0,1,R,0x1800,0x1000,-1),
 window(PEA,0,1,R,0x800,0x1000,-1),
 window(PEA,0,1,R,1<<43,0x1000,-1),
 window(PEA,0,1,R,0x1000,0x1000000,-1),
 window(PEA,0,1,R,0x1000,0x10000000,-1),
 window(PEA,0,1,R,0x1000,0x2000,-1),
 window(PEA,0,1,R,1<<42,0x1000,0),
 window(PEA,1,2,R,0x10000,0x200000,0),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW",[1,PEA,PEA*2,1,R,0x1000,0x1000],-1)])
vec("power-opal-map-pe-dma-window-real-checks","OPAL_PCI_MAP_PE_DMA_WINDOW_REAL: bit 59 must name the TVE, bits 60-63 clear, 16 MiB alignment, end below 2^50; size 0 disables.",[
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,0,0x1000000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2,1<<59,0x1000000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,3<<59,0x1000000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,(1<<59)|0x800000,0x1000000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,1<<59,0x1800000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2+1,1<<59,1<<50],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEB,PEA*2+1,1<<59,0x1000000],-1),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2,0,0x1000000],0),
 dma(A,0xfff000,"read",4,expect=ok(0xfff000)),
 opal("OPAL_PCI_MAP_PE_DMA_WINDOW_REAL",[0,PEA,PEA*2,0,0],0),
 dma(A,0xfff000,"read",4,expect=frozen(PEA))])
vec("power-opal-mmio-window-checks","M64 window calls: IO and M32 are UNSUPPORTED, window 0 and >= mbt_size are PARAMETER, alignment and power-of-two checks, PARTIAL for the enabled BAR 31.",[
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,3,0,3],-7),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,1,1,3],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,1,0,512],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,512,1,0,3],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,2,0,0],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,2,32,0],-1),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,2,31,0],-3),
 opal("OPAL_PCI_MAP_PE_MMIO_WINDOW",[0,5,4,0,0],-1),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,1,0,0x80000000,0,0x80000000],-7),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,3,0,0,0,0x1000],-7),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,2,0x620000000800,0,0x1000000],-1),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,2,0x620000000000,0,0x3000000],-1),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,2,0x620000800000,0,0x1000000],-1),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,31,0x620000000000,0,0x1000000],-3),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,1,0,1],-7),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,2,3],-1),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,2,1],-3),
 opal("OPAL_PCI_SET_PHB_MEM_WINDOW",[0,2,2,0x10000000,0,0x1000000],0),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,2,1],-3),
 opal("OPAL_PCI_PHB_MMIO_ENABLE",[0,2,2,0],0)])
vec("power-opal-tce-kill-checks","OPAL_PCI_TCE_KILL on PHB4: PAGES becomes PE (its size/alignment checks never run), no PE range check, kill type > 2 is PARAMETER.",[
 kill(0,PEA,0x1234,0x1,5,0), kill(1,9999,0,0,0,0), kill(2,0,0,0,0,0), kill(3,0,0,0,0,-1),
 opal("OPAL_PCI_TCE_KILL",[7,2,0,0,0,0],-1)])
vec("power-opal-bad-tokens","Unknown and removed calls (OPAL_PCI_SET_MVE, _ENABLE were removed in skiboot 7.1) are bad tokens: OPAL_PARAMETER.",[
 opal("OPAL_PCI_SET_MVE",[0,1,2],-1),
 opal("OPAL_PCI_SET_MVE_ENABLE",[0,1,1],-1),
 opal("OPAL_PCI_NO_SUCH_CALL",[0],-1)])
vec("power-opal-reset-ioda-table","OPAL_PCI_RESET(PHB slot, IODA_TABLE, ASSERT) puts every RID back in the reserved PE 511 and disables windows; the OS must set PEs again.",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R,0x300003),
 dma(A,0x0,"write",4,1,ok(0x300000)),
 opal("OPAL_PCI_RESET",[0,6,1],0),
 dma(A,0x0,"write",4,1,frozen(511)),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,511,3],0),
 opal("OPAL_PCI_SET_PE",[0,PEA,0x300,7,0,0,1],0),
 dma(A,0x0,"write",4,1,frozen(PEA))])
vec("power-opal-reset-scopes","OPAL_PCI_RESET: slot ids (PHB id, or PCI_SLOT_ID for a port), scopes and assert states as skiboot checks them; a complete PHB reset unfreezes every PE.",[
 opal("OPAL_PCI_EEH_FREEZE_SET",[0,PEA,3],0),
 opal("OPAL_PCI_RESET",[0,2,1],-7),
 opal("OPAL_PCI_RESET",[0,4,2],-1),
 opal("OPAL_PCI_RESET",[5,4,1],-1),
 opal("OPAL_PCI_RESET",[0x8000000002000000,4,1],-1),
 opal("OPAL_PCI_RESET",[0x8000000002080000,4,1],0),
 opal("OPAL_PCI_RESET",[0x8000000002080000,1,1],-7),
 opal("OPAL_PCI_RESET",[0x8000000002080000,6,1],-7),
 opal("OPAL_PCI_POLL",[0x8000000002080000],0),
 opal("OPAL_PCI_POLL",[0x8000000002000000],-1),
 status(PEA,3),
 opal("OPAL_PCI_RESET",[0,1,1],0),
 opal("OPAL_PCI_RESET",[0,1,0],0),
 status(PEA,0)])
vec("power-device-dma-engine-through-tce","The DMA test device's own engine (registers in BAR0) writes through PE 507's TCE window; pointed outside the window it freezes the PE, whose registers then read all-ones until MMIO is thawed (STATUS: error, outcome 3 = frozen).",[
 window(PEA,0,1,R,0x1000,0x1000), tce(R+2*8,0x340003),
 cpuw(BARA+0x10,4,0x2000), cpuw(BARA+0x14,4,0), cpuw(BARA+0x18,4,0), cpuw(BARA+0x1c,4,0x10),
 cpuw(BARA+0x20,4,2),
 cpur(BARA+0x08,4,0x10), cpur(BARA+0x0c,4,0x10),
 status(PEA,0),
 cpuw(BARA+0x10,4,0x400000),
 cpuw(BARA+0x20,4,2),
 status(PEA,3),
 cpur(BARA+0x08,4,0xffffffff),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,1],0),
 cpur(BARA+0x08,4,0x32), cpur(BARA+0x28,4,0x400000),
 status(PEA,2)])
def cfgr(bdf,off,width,val): return {"op":"cfg.read","bdf":bdf,"offset":H(off),"width":width,"expect":H(val)}
def cfgw(bdf,off,width,val): return {"op":"cfg.write","bdf":bdf,"offset":H(off),"width":width,"value":H(val)}
vec("power-eeh-recovery-slot-reset","EEH recovery as Linux does it: after the PE froze, a hot reset of its slot returns the device's config space to power-on, so its BAR no longer decodes (a touch re-freezes the PE) until the OS restores BAR and command, then clears the freeze.",[
 cpuw(BARA+0x30,4,0x1234), cpur(BARA+0x30,4,0x1234),
 dma(A,0x1000,"write",4,1,frozen(PEA)),
 opal("OPAL_PCI_RESET",[0x8000000002080000,4,1],0),
 opal("OPAL_PCI_RESET",[0x8000000002080000,4,0],0),
 cfgr(A,0x4,2,0), cfgr(A,0x10,4,0),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0), status(PEA,0),
 cpur(BARA,4,0xffffffff), status(PEA,3),
 cfgw(A,0x10,4,0x80400000), cfgw(A,0x4,2,0x6),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,PEA,3],0),
 cpur(BARA,4,0x31544d44), cpur(BARA+0x30,4,0), status(PEA,0),
 cfgr(B,0x4,2,0x6)])
TOPO_M64=json.loads(json.dumps(TOPO))
TOPO_M64["devices"][5]["bars"]=[{"index":0,"size":"64KiB","kind":"mem32","base":"0x80800000"},
 {"index":2,"size":"128MiB","kind":"mem64","prefetch":True,"base":H(0x620000000000+20*0x8000000)},
 {"index":4,"size":"64MiB","kind":"mem64","prefetch":True,"base":H(0x620000000000+21*0x8000000)}]
vec("power-pe-assignment-m64-compound","A bus whose device has 64-bit BARs in M64 segments 20 and 21 gets PE# 20 (Linux pnv_ioda_pick_m64_pe) with slave PE 21: the RTT maps device B to PE 20; a stray access in the unused half of segment 21 freezes the slave, whose PELT-V holds the master.",[
 dma(B,0x0,"read",4,expect=frozen(20)),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,20,3],0), opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,21,3],0),
 status(20,0), status(21,0),
 cpur(0x620000000000+21*0x8000000+0x4000000,8,0xffffffffffffffff),
 status(21,3), status(20,3), status(19,0), status(PEA,0)],TOPO_M64)
TOPO_ALL={"devices":[
 {"bdf":"0000:00:00.0","kind":"root-port","secondary":1,"subordinate":3},
 {"bdf":"0000:01:00.0","kind":"pcie-to-pci-bridge","secondary":2,"subordinate":3},
 {"bdf":"0000:02:01.0","kind":"pci-bridge","secondary":3,"subordinate":3},
 {"bdf":"0000:02:02.0","kind":"pci-device","bars":[{"index":0,"size":"4KiB","kind":"mem32","base":"0x80c00000"}]},
 {"bdf":"0000:03:04.0","kind":"pci-device","bars":[{"index":0,"size":"4KiB","kind":"mem32","base":"0x81000000"}]}]}
vec("power-pe-assignment-pcie-to-pci-bus-all","Behind a PCIe-to-PCI bridge (on bus 1, PE 509) Linux makes one BUS_ALL PE (508) for buses 2-3 (bus compare 7 bits): both conventional devices share it, and one's error freezes the other.",[
 dma("0000:03:04.0",0x0,"write",4,1,frozen(508)),
 status(508,3), status(509,0), status(510,0),
 cpur(0x600000c00000,4,0xffffffff),
 opal("OPAL_PCI_EEH_FREEZE_CLEAR",[0,508,3],0),
 cpur(0x600000c00000,4,0x31544d44),
 dma("0000:02:02.0",0x0,"write",4,1,frozen(508))],TOPO_ALL)
for n,v in V.items():
    with open(os.path.join(OUT, n+".vec.json"),"w") as f: json.dump(v,f,indent=1); f.write("\n")
print(len(V))
