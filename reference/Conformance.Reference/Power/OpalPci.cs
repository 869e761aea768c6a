using System.Numerics;
using Conformance.Reference.Pci;

namespace Conformance.Reference.Power;

/// <summary>
/// The OPAL firmware's PCI/PHB calls as skiboot implements them for PHB4 (core/pci-opal.c wrappers, hw/phb4.c ops):
/// skiboot's call names and argument order with the out-parameters left out (they come back in
/// <see cref="OpalResult.Out"/>), the same checks in the same order, and the same return codes. Arguments are
/// narrowed to the C prototype's types (u8/u16/u32) as the ABI does.
/// </summary>
public sealed class OpalPci : Platform.ITickable
{
    /// <summary>A PCI slot skiboot can reset: the PHB slot (id = phb_id) or a port's slot (PCI_SLOT_ID).</summary>
    public sealed record Slot(ulong Id, Phb4 Phb, Bdf? Port, int Secondary, int Subordinate);

    private static readonly System.Collections.Frozen.FrozenDictionary<string, OpalToken> Tokens =
        System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<OpalToken>().ToDictionary(t => t.ToString(), StringComparer.Ordinal), StringComparer.Ordinal);

    private readonly Dictionary<ulong, Phb4> _phbs = [];
    private readonly Dictionary<ulong, Slot> _slots = [];
    private readonly Dictionary<ulong, PciSlotReset> _resets = [];

    public OpalPci(IEnumerable<Phb4> phbs)
    {
        ArgumentNullException.ThrowIfNull(phbs);
        foreach (var p in phbs)
        {
            _phbs.Add(p.Config.PhbId, p);
            _slots.Add(p.Config.PhbId, new Slot(p.Config.PhbId, p, null, 0, 255));
        }
    }

    public IReadOnlyCollection<Phb4> Phbs => _phbs.Values;

    /// <summary>The XIVE calls that route these PHBs' interrupt sources.</summary>
    public OpalXive Xive => _xive ??= new OpalXive(this);
    private OpalXive? _xive;

    public IReadOnlyCollection<Slot> Slots => _slots.Values;

    /// <summary>skiboot <c>PCI_SLOT_ID(phb, bdfn)</c> = 0x8000000000000000 | bdfn &lt;&lt; 16 | phb opal id.</summary>
    public static ulong SlotId(ulong phbId, Bdf port) => 0x8000_0000_0000_0000UL | ((ulong)port.RequesterId << 16) | phbId;

    /// <summary>Registers the slot below a root or downstream port (buses <paramref name="secondary"/>..<paramref name="subordinate"/>).</summary>
    public ulong AddSlot(ulong phbId, Bdf port, int secondary, int subordinate)
    {
        var phb = _phbs[phbId];
        ulong id = SlotId(phbId, port);
        _slots[id] = new Slot(id, phb, port, secondary, subordinate);
        return id;
    }

    public Phb4? Phb(ulong phbId) => _phbs.GetValueOrDefault(phbId);

    /// <summary>The firmware clock in milliseconds (skiboot's timebase); <see cref="Tick"/> advances it.</summary>
    public long NowMs { get; private set; }

    /// <summary>Lets <paramref name="count"/> milliseconds pass (one machine tick = 1 ms: what an OS's msleep between
    /// OPAL_PCI_POLL calls lets happen). Returns the number of slots whose reset is still in progress.</summary>
    public int Tick(int count)
    {
        if (count > 0) NowMs += count;
        return _resets.Values.Count(r => r.InProgress);
    }

    /// <summary>The reset state machine of a slot (created on first use), or null for an unknown slot id.</summary>
    public PciSlotReset? SlotReset(ulong slotId)
    {
        if (!_slots.TryGetValue(slotId, out var slot)) return null;
        if (!_resets.TryGetValue(slotId, out var r)) _resets[slotId] = r = new PciSlotReset(slot, () => NowMs);
        return r;
    }

    /// <summary>The number of arguments (out-parameters left out) each call takes.</summary>
    public static int ArgumentCount(OpalToken token) => token switch
    {
        OpalToken.OPAL_PCI_EEH_FREEZE_STATUS => 2,
        OpalToken.OPAL_PCI_EEH_FREEZE_CLEAR => 3,
        OpalToken.OPAL_PCI_EEH_FREEZE_SET => 3,
        OpalToken.OPAL_PCI_PHB_MMIO_ENABLE => 4,
        OpalToken.OPAL_PCI_SET_PHB_MEM_WINDOW => 6,
        OpalToken.OPAL_PCI_MAP_PE_MMIO_WINDOW => 5,
        OpalToken.OPAL_PCI_SET_PE => 7,
        OpalToken.OPAL_PCI_SET_PELTV => 4,
        OpalToken.OPAL_PCI_SET_XIVE_PE => 3,
        OpalToken.OPAL_GET_MSI_32 => 4,
        OpalToken.OPAL_GET_MSI_64 => 4,
        OpalToken.OPAL_PCI_MAP_PE_DMA_WINDOW => 7,
        OpalToken.OPAL_PCI_MAP_PE_DMA_WINDOW_REAL => 5,
        OpalToken.OPAL_PCI_RESET => 3,
        OpalToken.OPAL_PCI_NEXT_ERROR => 1,
        OpalToken.OPAL_PCI_POLL => 1,
        OpalToken.OPAL_PCI_TCE_KILL => 6,
        OpalToken.OPAL_XIVE_GET_IRQ_CONFIG => 1,
        OpalToken.OPAL_XIVE_SET_IRQ_CONFIG => 4,
        _ => 0,
    };

    /// <summary>
    /// Calls <paramref name="callName"/> (e.g. <c>OPAL_PCI_SET_PE</c>) with <paramref name="args"/>. A name that is not
    /// an OPAL PCI call of this firmware (or a removed one, such as OPAL_PCI_SET_MVE) is a bad token: OPAL_PARAMETER.
    /// </summary>
    /// <exception cref="ArgumentException">the argument count does not match the call (misuse of this API).</exception>
    public OpalResult Call(string callName, IReadOnlyList<ulong> args)
    {
        ArgumentNullException.ThrowIfNull(callName);
        ArgumentNullException.ThrowIfNull(args);
        if (!Tokens.TryGetValue(callName, out var token)) return OpalResult.Of(OpalRc.Parameter); // opal_bad_token
        return Call(token, args);
    }

    public OpalResult Call(OpalToken token, IReadOnlyList<ulong> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (token is OpalToken.OPAL_PCI_SET_MVE or OpalToken.OPAL_PCI_SET_MVE_ENABLE)
            return OpalResult.Of(OpalRc.Parameter); // removed in skiboot 7.1: bad token
        int n = ArgumentCount(token);
        if (n == 0) return OpalResult.Of(OpalRc.Parameter);
        if (args.Count != n)
            throw new ArgumentException($"{token} takes {n} arguments (out-parameters left out), got {args.Count}", nameof(args));
        ulong a(int i) => args[i];
        return token switch
        {
            OpalToken.OPAL_PCI_SET_PE => Of(SetPe(a(0), a(1), a(2), (byte)a(3), (byte)a(4), (byte)a(5), (byte)a(6))),
            OpalToken.OPAL_PCI_SET_PELTV => Of(SetPeltv(a(0), (uint)a(1), (uint)a(2), (byte)a(3))),
            OpalToken.OPAL_PCI_MAP_PE_MMIO_WINDOW => Of(MapPeMmioWindow(a(0), a(1), (ushort)a(2), (ushort)a(3), (ushort)a(4))),
            OpalToken.OPAL_PCI_SET_PHB_MEM_WINDOW => Of(SetPhbMemWindow(a(0), (ushort)a(1), (ushort)a(2), a(3), a(4), a(5))),
            OpalToken.OPAL_PCI_PHB_MMIO_ENABLE => Of(PhbMmioEnable(a(0), (ushort)a(1), (ushort)a(2), (ushort)a(3))),
            OpalToken.OPAL_PCI_MAP_PE_DMA_WINDOW => Of(MapPeDmaWindow(a(0), a(1), (ushort)a(2), (ushort)a(3), a(4), a(5), a(6))),
            OpalToken.OPAL_PCI_MAP_PE_DMA_WINDOW_REAL => Of(MapPeDmaWindowReal(a(0), a(1), (ushort)a(2), a(3), a(4))),
            OpalToken.OPAL_PCI_TCE_KILL => Of(TceKill(a(0), (uint)a(1), a(2), (uint)a(3), a(4), (uint)a(5))),
            OpalToken.OPAL_PCI_EEH_FREEZE_STATUS => FreezeStatusResult(a(0), a(1)),
            OpalToken.OPAL_PCI_EEH_FREEZE_CLEAR => Of(EehFreezeClear(a(0), a(1), a(2))),
            OpalToken.OPAL_PCI_EEH_FREEZE_SET => Of(EehFreezeSet(a(0), a(1), a(2))),
            OpalToken.OPAL_PCI_SET_XIVE_PE => Of(SetXivePe(a(0), a(1), (uint)a(2))),
            OpalToken.OPAL_GET_MSI_32 => GetMsi(a(0), (uint)a(1), (uint)a(2), (byte)a(3), is64: false),
            OpalToken.OPAL_GET_MSI_64 => GetMsi(a(0), (uint)a(1), (uint)a(2), (byte)a(3), is64: true),
            OpalToken.OPAL_PCI_RESET => new OpalResult(Reset(a(0), (byte)a(1), (byte)a(2)), []),
            OpalToken.OPAL_PCI_POLL => new OpalResult(Poll(a(0)), []),
            OpalToken.OPAL_PCI_NEXT_ERROR => NextError(a(0)),
            OpalToken.OPAL_XIVE_GET_IRQ_CONFIG => Xive.GetIrqConfig(a(0)),
            OpalToken.OPAL_XIVE_SET_IRQ_CONFIG => Of(Xive.SetIrqConfig(a(0), a(1), a(2), a(3))),
            _ => OpalResult.Of(OpalRc.Parameter),
        };
    }

    private static OpalResult Of(OpalRc rc) => OpalResult.Of(rc);

    // ---- RTT / PELT-V -----------------------------------------------------------------------------

    /// <summary>OPAL_PCI_SET_PE (31), skiboot <c>phb4_set_pe</c>.</summary>
    public OpalRc SetPe(ulong phbId, ulong peNumber, ulong bdfn, byte busCompare, byte devCompare, byte funcCompare, byte peAction)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peAction != (byte)OpalPeAction.Map && peAction != (byte)OpalPeAction.Unmap) return OpalRc.Parameter;
        if (peNumber >= (ulong)p.NumPes || bdfn > 0xffff || busCompare > (byte)OpalPciBusCompare.All || devCompare > 1 || funcCompare > 1)
            return OpalRc.Parameter;
        ushort mask = RequesterTranslationTable.CompareMask(busCompare, devCompare == 1, funcCompare == 1);
        int pe = peAction == (byte)OpalPeAction.Unmap ? p.ReservedPe : (int)peNumber;
        p.Rtt.Map((ushort)bdfn, mask, pe);
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_SET_PELTV (32), skiboot <c>phb4_set_peltv</c>.</summary>
    public OpalRc SetPeltv(ulong phbId, uint parentPe, uint childPe, byte state)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (parentPe >= (uint)p.NumPes || childPe >= (uint)p.NumPes) return OpalRc.Parameter;
        p.Peltv.Set((int)parentPe, (int)childPe, state != 0);
        return OpalRc.Success;
    }

    // ---- MMIO windows -------------------------------------------------------------------------

    /// <summary>OPAL_PCI_MAP_PE_MMIO_WINDOW (29), skiboot <c>phb4_map_pe_mmio_window</c>.</summary>
    public OpalRc MapPeMmioWindow(ulong phbId, ulong peNumber, ushort windowType, ushort windowNum, ushort segmentNum)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peNumber >= (ulong)p.NumPes) return OpalRc.Parameter;
        switch ((OpalMmioWindowType)windowType)
        {
            case OpalMmioWindowType.Io:
                return OpalRc.Unsupported;
            case OpalMmioWindowType.M32:
                if (windowNum != 0 || segmentNum >= p.NumPes) return OpalRc.Parameter;
                p.Mdt[segmentNum] = p.Mdt[segmentNum].WithColumn(0, (int)peNumber);
                return OpalRc.Success;
            case OpalMmioWindowType.M64:
            {
                if (windowNum == 0 || windowNum >= p.Mbt.Size) return OpalRc.Parameter;
                var e = p.Mbt.Cached(windowNum);
                if (e.Enabled) return OpalRc.Partial;
                p.Mbt.SetCached(windowNum, e.WithMode(MbtMode.SinglePe).WithSinglePe((int)peNumber));
                return OpalRc.Success;
            }
            default:
                return OpalRc.Parameter;
        }
    }

    /// <summary>OPAL_PCI_SET_PHB_MEM_WINDOW (28), skiboot <c>phb4_set_phb_mem_window</c> (pci_addr is ignored).</summary>
    public OpalRc SetPhbMemWindow(ulong phbId, ushort windowType, ushort windowNum, ulong addr, ulong pciAddr, ulong size)
    {
        _ = pciAddr;
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        switch ((OpalMmioWindowType)windowType)
        {
            case OpalMmioWindowType.Io:
            case OpalMmioWindowType.M32:
                return OpalRc.Unsupported;
            case OpalMmioWindowType.M64:
                if (windowNum == 0 || windowNum >= p.Mbt.Size) return OpalRc.Parameter;
                if ((addr & 0xfff) != 0 || (size & 0xfff) != 0) return OpalRc.Parameter;
                if (size == 0 || !BitOperations.IsPow2(size)) return OpalRc.Parameter;
                if ((addr & (size - 1)) != 0) return OpalRc.Parameter;
                break;
            default:
                return OpalRc.Parameter;
        }
        var e = p.Mbt.Cached(windowNum);
        if (e.Enabled) return OpalRc.Partial;
        p.Mbt.SetCached(windowNum, e.WithBase(addr).WithMask(~(size - 1)));
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_PHB_MMIO_ENABLE (27), skiboot <c>phb4_phb_mmio_enable</c>.</summary>
    public OpalRc PhbMmioEnable(ulong phbId, ushort windowType, ushort windowNum, ushort enable)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        switch ((OpalMmioWindowType)windowType)
        {
            case OpalMmioWindowType.Io:
            case OpalMmioWindowType.M32:
                return OpalRc.Unsupported;
            case OpalMmioWindowType.M64:
                if (windowNum == 0 || windowNum >= p.Mbt.Size || enable > (ushort)OpalM64Action.EnableNonSplit) return OpalRc.Parameter;
                break;
            default:
                return OpalRc.Parameter;
        }
        var e = p.Mbt.Cached(windowNum);
        if (enable == (ushort)OpalM64Action.Disable)
        {
            e = p.Mbt.Default(windowNum);
        }
        else
        {
            if (enable == (ushort)OpalM64Action.EnableSplit && e.Mode is not (MbtMode.PeSegment or MbtMode.Mdt)) return OpalRc.Parameter;
            if (enable == (ushort)OpalM64Action.EnableNonSplit && e.Mode != MbtMode.SinglePe) return OpalRc.Parameter;
            // skiboot compares the BAR base with mm0_base, the M64 window's base. On PHB4 M64 CPU and PCI addresses
            // agree; the model keeps MBT addresses in PCI space, as Linux passes them (pnv_ioda2 m64_base = pci_addr).
            ulong mm0Base = p.Config.M64?.PciBase ?? ulong.MaxValue;
            if (e.Base < mm0Base || e.Mask == 0) return OpalRc.Partial;
            e = e.Enable();
        }
        p.Mbt.SetCached(windowNum, e);
        p.Mbt.Commit(windowNum);
        return OpalRc.Success;
    }

    // ---- DMA windows --------------------------------------------------------------------------

    /// <summary>OPAL_PCI_MAP_PE_DMA_WINDOW (44), skiboot <c>phb4_map_pe_dma_window</c>. The TCE cache is not invalidated.</summary>
    public OpalRc MapPeDmaWindow(ulong phbId, ulong peNumber, ushort windowId, ushort tceLevels, ulong tceTableAddr, ulong tceTableSize, ulong tcePageSize)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        // 1. The window must be one of the PE's two TVEs.
        if (peNumber >= (ulong)p.NumPes || (ulong)(windowId >> 1) != peNumber) return OpalRc.Parameter;
        // 2. Size 0 disables the TVE; the other arguments are ignored.
        if (tceTableSize == 0)
        {
            p.Tvt[windowId] = Tve.Disabled;
            return OpalRc.Success;
        }
        // 3. Levels 1..5, a power-of-two level size of at least 4 KiB.
        if (tceLevels < 1 || tceLevels > 5 || !BitOperations.IsPow2(tceTableSize) || tceTableSize < 0x1000) return OpalRc.Parameter;
        // 4. TCE_TABLE_SIZE is a 5-bit field.
        int tts = BitOperations.Log2(tceTableSize) - 11;
        if (tts > 31) return OpalRc.Parameter;
        // 5. PHB4 IO page sizes.
        int psize = tcePageSize switch { 0x1000 => 1, 0x10000 => 5, 0x200000 => 10, 0x40000000 => 19, _ => 0 };
        if (psize == 0) return OpalRc.Parameter;
        p.Tvt[windowId] = Tve.Translating(tceTableAddr, tceLevels, tts, psize);
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_MAP_PE_DMA_WINDOW_REAL (45), skiboot <c>phb4_map_pe_dma_window_real</c>.</summary>
    public OpalRc MapPeDmaWindowReal(ulong phbId, ulong peNumber, ushort windowId, ulong pciStartAddr, ulong pciMemSize)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peNumber >= (ulong)p.NumPes || (ulong)(windowId >> 1) != peNumber) return OpalRc.Parameter;
        if (pciMemSize == 0)
        {
            p.Tvt[windowId] = Tve.Disabled;
            return OpalRc.Success;
        }
        // Bits 60-63 must be 0 and bit 59 must name the TVE; then bit 59 is stripped.
        if ((pciStartAddr >> 59) != (ulong)(windowId & 1)) return OpalRc.Parameter;
        ulong start = pciStartAddr & ((1UL << 59) - 1);
        ulong end = start + pciMemSize;
        if ((start & 0xff_ffff) != 0 || (pciMemSize & 0xff_ffff) != 0) return OpalRc.Parameter;
        if (end > 0x0003_ffff_ffff_ffffUL) return OpalRc.Parameter; // no rollover check, as in skiboot
        p.Tvt[windowId] = Tve.Bypass(start, end);
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_TCE_KILL (126), skiboot <c>phb4_tce_kill</c>: PHB4 turns a PAGES kill into a PE kill (HW560152).</summary>
    public OpalRc TceKill(ulong phbId, uint killType, ulong peNumber, uint tceSize, ulong dmaAddr, uint npages)
    {
        _ = tceSize; _ = dmaAddr; _ = npages;
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (killType == (uint)OpalTceKillType.Pages) killType = (uint)OpalTceKillType.Pe;
        switch ((OpalTceKillType)killType)
        {
            case OpalTceKillType.Pe:
                p.TceCache.KillPe((int)(peNumber & 0x1ff)); // PENUM 55:63, no range check
                return OpalRc.Success;
            case OpalTceKillType.All:
                p.TceCache.KillAll();
                return OpalRc.Success;
            default:
                return OpalRc.Parameter;
        }
    }

    // ---- EEH ----------------------------------------------------------------------------------

    /// <summary>OPAL_PCI_EEH_FREEZE_STATUS (23), skiboot <c>phb4_eeh_freeze_status</c>: (rc, freeze_state, pci_error_type).</summary>
    public (OpalRc Rc, OpalFreezeState State, OpalPciStatusToken ErrorType) EehFreezeStatus(ulong phbId, ulong peNumber)
    {
        if (Phb(phbId) is not { } p) return (OpalRc.Parameter, OpalFreezeState.NotFrozen, OpalPciStatusToken.NoError);
        // A fenced PHB (phb4_fenced: during a complete reset) reports every PE MMIO+DMA frozen with a PHB error.
        // skiboot's PHB4 never reports OPAL_EEH_STOPPED_RESET.
        if (p.Fenced) return (OpalRc.Success, OpalFreezeState.MmioDmaFreeze, OpalPciStatusToken.PhbError);
        // No range check on pe_number in skiboot; the model reads PEs beyond the table as not frozen.
        if (peNumber >= (ulong)p.NumPes || !p.Pest.Peev((int)peNumber)) return (OpalRc.Success, OpalFreezeState.NotFrozen, OpalPciStatusToken.NoError);
        int pe = (int)peNumber;
        var state = (p.Pest.MmioFrozen(pe) ? OpalFreezeState.MmioFreeze : 0) | (p.Pest.DmaStopped(pe) ? OpalFreezeState.DmaFreeze : 0);
        return (OpalRc.Success, state, OpalPciStatusToken.NoError);
    }

    private OpalResult FreezeStatusResult(ulong phbId, ulong pe)
    {
        var (rc, state, type) = EehFreezeStatus(phbId, pe);
        return rc == OpalRc.Parameter ? OpalResult.Of(rc) : OpalResult.Of(rc, (ulong)state, (ulong)type);
    }

    /// <summary>OPAL_PCI_EEH_FREEZE_CLEAR (26), skiboot <c>phb4_eeh_freeze_clear</c>: the token is not validated, nor the PE.</summary>
    public OpalRc EehFreezeClear(ulong phbId, ulong peNumber, ulong token)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peNumber < (ulong)p.NumPes)
        {
            if ((token & (ulong)OpalEehAction.Mmio) != 0) p.Pest.ClearMmio((int)peNumber);
            if ((token & (ulong)OpalEehAction.Dma) != 0) p.Pest.ClearDma((int)peNumber);
        }
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_EEH_FREEZE_SET (97), skiboot <c>phb4_eeh_freeze_set</c>.</summary>
    public OpalRc EehFreezeSet(ulong phbId, ulong peNumber, ulong token)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peNumber >= (ulong)p.NumPes) return OpalRc.Parameter;
        if (token is not ((ulong)OpalEehAction.Mmio or (ulong)OpalEehAction.Dma or (ulong)OpalEehAction.All)) return OpalRc.Parameter;
        if ((token & (ulong)OpalEehAction.Mmio) != 0) p.Pest.SetMmioFrozen((int)peNumber);
        if ((token & (ulong)OpalEehAction.Dma) != 0) p.Pest.SetDmaStopped((int)peNumber);
        return OpalRc.Success;
    }

    /// <summary>OPAL_PCI_NEXT_ERROR (60): (first_frozen_pe, pci_error_type, severity); the first set bit of the highest nonzero PEEV word.</summary>
    public OpalResult NextError(ulong phbId)
    {
        if (Phb(phbId) is not { } p) return OpalResult.Of(OpalRc.Parameter);
        int words = Math.Max(1, p.NumPes / 64);
        for (int w = words - 1; w >= 0; w--)
        {
            for (int j = 0; j < 64 && w * 64 + j < p.NumPes; j++)
            {
                if (p.Pest.Peev(w * 64 + j))
                    return OpalResult.Of(OpalRc.Success, (ulong)(w * 64 + j), (ulong)OpalPciStatusToken.PeError, (ulong)OpalPciErrorSeverity.PeEr);
            }
        }
        return OpalResult.Of(OpalRc.Success, ulong.MaxValue, (ulong)OpalPciStatusToken.NoError, (ulong)OpalPciErrorSeverity.NoError);
    }

    // ---- MSI ----------------------------------------------------------------------------------

    /// <summary>OPAL_PCI_SET_XIVE_PE (37), skiboot <c>phb4_set_ive_pe</c>: the MIST entry of an interrupt source.</summary>
    public OpalRc SetXivePe(ulong phbId, ulong peNumber, uint xiveNum)
    {
        if (Phb(phbId) is not { } p) return OpalRc.Parameter;
        if (peNumber >= (ulong)p.NumPes || xiveNum >= (uint)p.Msi.MsiCount) return OpalRc.Parameter;
        p.Msi.SetOwner((int)xiveNum, (int)peNumber);
        return OpalRc.Success;
    }

    private OpalResult GetMsi(ulong phbId, uint peNumber, uint xiveNum, byte msiRange, bool is64)
    {
        if (Phb(phbId) is not { } p) return OpalResult.Of(OpalRc.Parameter);
        if (peNumber >= (uint)p.NumPes || xiveNum >= (uint)p.Msi.MsiCount || msiRange != 1) return OpalResult.Of(OpalRc.Parameter);
        var (address, data) = is64 ? MsiValidation.Msi64(xiveNum) : MsiValidation.Msi32(xiveNum);
        return OpalResult.Of(OpalRc.Success, address, data);
    }

    // ---- reset --------------------------------------------------------------------------------

    /// <summary>
    /// OPAL_PCI_RESET (49), skiboot core/pci-opal.c <c>opal_pci_reset</c>: checks the slot and the assert state, then
    /// runs the scope's slot op on ASSERT (HOT, FUNDAMENTAL and COMPLETE do nothing on DEASSERT). A positive return is
    /// the delay in ms before the caller must call OPAL_PCI_POLL (<see cref="PciSlotReset"/>: the state machines and
    /// their delays); IODA_TABLE and PHB_ERROR complete at once.
    /// </summary>
    public long Reset(ulong slotId, byte resetScope, byte assertState)
    {
        if (!_slots.TryGetValue(slotId, out var slot)) return (long)OpalRc.Parameter;
        if (assertState is not ((byte)OpalPciResetState.Assert or (byte)OpalPciResetState.Deassert)) return (long)OpalRc.Parameter;
        bool assert = assertState == (byte)OpalPciResetState.Assert;
        bool phbSlot = slot.Port is null;
        var p = slot.Phb;
        var sm = SlotReset(slotId)!;
        switch ((OpalPciResetScope)resetScope)
        {
            case OpalPciResetScope.PhbComplete:
                // Applicable to the PHB slot only (a port slot has no creset op).
                if (!phbSlot) return (long)OpalRc.Unsupported;
                return assert ? sm.Creset() : (long)OpalRc.Success;
            case OpalPciResetScope.PciFundamental:
                return assert ? sm.Freset() : (long)OpalRc.Success;
            case OpalPciResetScope.PciHot:
                return assert ? sm.Hreset() : (long)OpalRc.Success;
            case OpalPciResetScope.PciIodaTable:
                if (!phbSlot) return (long)OpalRc.Unsupported;
                if (assert) p.IodaReset(purge: true); // phb4_ioda_reset(phb, true)
                return (long)OpalRc.Success;
            case OpalPciResetScope.PhbError:
                // phb4_papr_errinjct_reset clears the PAPR error-injection registers (not modelled: nothing to clear).
                return phbSlot ? (long)OpalRc.Success : (long)OpalRc.Unsupported;
            default:
                return (long)OpalRc.Unsupported; // PCI_LINK and unknown scopes
        }
    }

    /// <summary>
    /// OPAL_PCI_POLL (62), skiboot core/pci-opal.c <c>opal_pci_poll(id)</c>: runs the slot's state machine
    /// (<c>pci_slot_run_sm</c>) and returns the ms to sleep before the next poll (at least 1), 0 when the reset is
    /// done, or a negative code — OPAL_HARDWARE when no reset is in progress (skiboot's "Invalid state").
    /// </summary>
    public long Poll(ulong slotId)
    {
        if (SlotReset(slotId) is not { } sm) return (long)OpalRc.Parameter;
        long rc = sm.RunSm();
        return rc > 0 ? Math.Max(1, rc) : rc;
    }
}
