using Conformance.Reference.Bus;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Memory;
using Conformance.Reference.Platform;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// One VT-d DMA-remapping hardware unit (VT-d spec chapter 10 "Register Descriptions"; ACPI DRHD): its 4 KiB
/// register page on the MMIO bus, its caches, its invalidation queue (processed on <see cref="Tick"/>), fault
/// recording, DMA remapping and interrupt remapping. The parts live in one file per architected function
/// (GlobalCommand, RegisterInvalidation, InvalidationQueue, FaultRecording, DmaRemapping, InterruptRemapping).
/// Nothing software can write into its registers or tables makes it throw.
/// </summary>
public sealed partial class VtdUnit : IMmioRegion, ITickable
{
    private readonly RegisterFile _regs = new();
    private readonly PhysicalMemory _memory;
    private readonly InterruptController _interrupts;
    private readonly int _haw;
    private readonly int _iro;

    public VtdUnit(VtdUnitConfig config, PhysicalMemory memory, InterruptController interrupts)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _interrupts = interrupts ?? throw new ArgumentNullException(nameof(interrupts));
        Capability = CapabilityRegister.For(config);
        ExtendedCapability = ExtendedCapabilityRegister.For(config);
        _haw = config.HostAddressWidth;
        _iro = config.IotlbRegisterOffset;
        _mgawLimit = Math.Min(config.AddressWidth, 64);
        DefineRegisters();
    }

    public VtdUnitConfig Config { get; }
    public string Id => Config.Id;
    public CapabilityRegister Capability { get; }
    public ExtendedCapabilityRegister ExtendedCapability { get; }

    /// <summary>The caches, for observation by tests (software sees them only through invalidation).</summary>
    public ContextCache ContextCache { get; } = new();
    public Iotlb Iotlb { get; } = new();
    public InterruptEntryCache InterruptEntryCache { get; } = new();

    public GlobalCommandBits Status => (GlobalCommandBits)_regs.Get32(GlobalStatus);
    public FaultStatusBits FaultStatus => (FaultStatusBits)_regs.Get32(VtdRegisterOffsets.FaultStatus);

    private ulong HawPageMask => VtdBits.Mask(_haw) & ~0xFFFUL;

    private void DefineRegisters()
    {
        _regs.Define(VtdRegisterOffsets.Version, 4, 0x10);                                   // VER 1.0
        _regs.Define(VtdRegisterOffsets.Capability, 8, Capability.Raw);
        _regs.Define(VtdRegisterOffsets.ExtendedCapability, 8, ExtendedCapability.Raw);
        _regs.Define(GlobalCommand, 4, 0);                                // write-only: handled, never stored
        _regs.Define(GlobalStatus, 4, 0);
        // RTADDR: TTM (11:10) stays RsvdZ while ECAP.SMTS=0; scalable mode would make bit 10 writable.
        _regs.Define(VtdRegisterOffsets.RootTableAddress, 8, 0, HawPageMask);
        _regs.Define(ContextCommand, 8, 0, 1UL << 63 | 3UL << 61 | 3UL << 32 | 0xFFFF_FFFFUL);
        _regs.Define(VtdRegisterOffsets.FaultStatus, 4, 0, 0, 0x7D);     // PFO, AFO, APF, IQE, ICE, ITE are RW1C
        _regs.Define(FaultEventControl, 4, 0x8000_0000, 0x8000_0000);    // IM set at reset, IP read-only
        _regs.Define(FaultEventData, 4, 0, 0xFFFF);
        _regs.Define(FaultEventAddress, 4, 0, 0xFFFF_FFFC);
        _regs.Define(FaultEventUpperAddress, 4, 0, ExtendedCapability.ExtendedInterruptMode ? 0xFFFF_FFFF : 0);
        _regs.Define(ProtectedMemoryEnable, 4, 0, 0x8000_0000);          // EPM; PRS mirrors it (no PLMR/PHMR regions)
        _regs.Define(InvalidationQueueHead, 8, 0);
        _regs.Define(InvalidationQueueTail, 8, 0, 0x7FFF0);
        _regs.Define(InvalidationQueueAddress, 8, 0, HawPageMask | 7);   // DW (bit 11) needs SMTS
        _regs.Define(InvalidationCompletionStatus, 4, 0, 0, 1);          // IWC RW1C
        _regs.Define(InvalidationEventControl, 4, 0x8000_0000, 0x8000_0000);
        _regs.Define(InvalidationEventData, 4, 0, 0xFFFF);
        _regs.Define(InvalidationEventAddress, 4, 0, 0xFFFF_FFFC);
        _regs.Define(InvalidationEventUpperAddress, 4, 0, ExtendedCapability.ExtendedInterruptMode ? 0xFFFF_FFFF : 0);
        if (ExtendedCapability.InterruptRemapping)
            _regs.Define(InterruptRemappingTableAddress, 8, 0, HawPageMask | 0x800 | 0xF);
        _regs.Define(_iro + IotlbBlockInvalidateAddress, 8, 0, ~0xFFFUL | 0x40 | 0x3F);
        _regs.Define(_iro + IotlbBlockInvalidate, 8, 0, 1UL << 63 | 3UL << 60 | 1UL << 49 | 1UL << 48 | 0xFFFFUL << 32);
        for (int i = 0; i < Config.FaultRecordingCount; i++)
            _regs.Define(Config.FaultRecordingOffset + 16 * i + 8, 8, 0, 0, 1UL << 63); // F is RW1C
    }

    // ---- MMIO -----------------------------------------------------------------------------------

    public ulong Read(ulong offset, int width)
    {
        if (width is not (1 or 2 or 4 or 8) || offset >= BlockSize) return 0;
        return _regs.Read(offset, width);
    }

    public void Write(ulong offset, int width, ulong value)
    {
        if (width is not (1 or 2 or 4 or 8) || offset >= BlockSize) return;
        if (width < 8) value &= (1UL << (8 * width)) - 1;
        ulong end = offset + (ulong)width;
        bool Touches(int register, int size) => offset < (ulong)(register + size) && (ulong)register < end;
        bool TouchesByte(int at) => offset <= (ulong)at && (ulong)at < end;

        if (Touches(GlobalCommand, 4))
        {
            // GCMD is write-only (reads 0); only its bytes from this write matter.
            uint command = (uint)(offset <= GlobalCommand ? value >> (8 * (GlobalCommand - (int)offset)) : value << (8 * ((int)offset - GlobalCommand)));
            HandleGlobalCommand((GlobalCommandBits)command);
            return;
        }

        _regs.Write(offset, width, value);

        if (Touches(ProtectedMemoryEnable, 4))
            _regs.SetBits32(ProtectedMemoryEnable, (_regs.Get32(ProtectedMemoryEnable) >> 31) & 1, 1); // PRS follows EPM
        if (Touches(InvalidationQueueAddress, 8) && (Status & GlobalCommandBits.QueuedInvalidationEnable) == 0)
            _regs.Set64(InvalidationQueueHead, 0);
        if (TouchesByte(ContextCommand + 7)) HandleContextCommand();
        if (TouchesByte(_iro + IotlbBlockInvalidate + 7)) HandleIotlbInvalidate();
        if (Touches(VtdRegisterOffsets.FaultStatus, 4)) AfterFaultStatusWrite();
        if (Touches(FaultEventControl, 4)) AfterEventControlWrite(FaultEventControl, FaultEventData, FaultEventAddress, FaultEventUpperAddress);
        if (Touches(InvalidationCompletionStatus, 4)) AfterCompletionStatusWrite();
        if (Touches(InvalidationEventControl, 4)) AfterEventControlWrite(InvalidationEventControl, InvalidationEventData, InvalidationEventAddress, InvalidationEventUpperAddress);
        int fro = Config.FaultRecordingOffset;
        if (offset < (ulong)(fro + 16 * Config.FaultRecordingCount) && (ulong)fro < end) AfterFaultRecordWrite();
    }

    // ---- event interrupts (§7.3 fault event, §6.5.2.11 invalidation event) -----------------------------

    /// <summary>Sends the MSI an event register set describes; these are not subject to interrupt remapping.</summary>
    private void SendEventInterrupt(int dataRegister, int addressRegister, int upperRegister)
    {
        uint address = _regs.Get32(addressRegister);
        uint upper = _regs.Get32(upperRegister);
        // x2APIC destinations put id bits 31:8 in the upper address register (§10.4.13).
        uint destination = ((address >> 12) & 0xFF) | (upper & 0xFFFF_FF00);
        _interrupts.Deliver(destination, (int)(_regs.Get32(dataRegister) & 0xFF), 0);
        EventsSent++;
    }

    /// <summary>Fault and invalidation-completion event interrupts this unit sent (observation for tests).</summary>
    public int EventsSent { get; private set; }

    /// <summary>§7.3.1: with IP set, clearing IM delivers the pending event and clears IP.</summary>
    private void AfterEventControlWrite(int control, int data, int address, int upper)
    {
        uint c = _regs.Get32(control);
        if ((c & 0x4000_0000) != 0 && (c & 0x8000_0000) == 0)
        {
            _regs.SetBits32(control, 0, 0x4000_0000);
            SendEventInterrupt(data, address, upper);
        }
    }

    /// <summary>Raises an event: sets IP, and unless masked sends the interrupt and clears IP again.</summary>
    private void RaiseEvent(int control, int data, int address, int upper)
    {
        _regs.SetBits32(control, 0x4000_0000, 0);
        if ((_regs.Get32(control) & 0x8000_0000) == 0)
        {
            _regs.SetBits32(control, 0, 0x4000_0000);
            SendEventInterrupt(data, address, upper);
        }
    }
}
