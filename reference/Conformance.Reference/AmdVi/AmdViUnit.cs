using Conformance.Reference.Bus;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Memory;
using Conformance.Reference.Platform;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.AmdVi;

/// <summary>
/// One AMD IOMMU (AMD I/O Virtualization Technology spec #48882, chapter 3 "Registers"): its 16 KiB register
/// aperture, caches, command buffer (processed on <see cref="Tick"/>), event log, DMA translation and interrupt
/// remapping, one file per architected function (DeviceTable, HostPageWalk, EventLog, CommandBuffer,
/// DmaTranslation, InterruptRemapping). Nothing software can write into its registers or tables makes it throw.
/// </summary>
public sealed partial class AmdViUnit : IMmioRegion, ITickable
{
    private readonly AmdViRegisterFile _regs = new();
    private readonly PhysicalMemory _memory;
    private readonly InterruptController _interrupts;

    public AmdViUnit(AmdViUnitConfig config, PhysicalMemory memory, InterruptController interrupts)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _interrupts = interrupts ?? throw new ArgumentNullException(nameof(interrupts));
        ExtendedFeature = ExtendedFeatureRegister.For(config);
        DefineRegisters();
    }

    public AmdViUnitConfig Config { get; }
    public string Id => Config.Id;
    public ExtendedFeatureRegister ExtendedFeature { get; }

    public DeviceTableCache DeviceTableCache { get; } = new();
    public AmdViIotlb Iotlb { get; } = new();
    /// <summary>Two-level (GV) translations, tagged by DomainID and PASID.</summary>
    public AmdViGuestIotlb GuestIotlb { get; } = new();
    public InterruptTableCache InterruptTableCache { get; } = new();

    public ControlBits Control => (ControlBits)_regs.Get(AmdViRegisterOffsets.Control);
    public StatusBits Status => (StatusBits)_regs.Get(AmdViRegisterOffsets.Status);
    private bool Enabled => (Control & ControlBits.IommuEnable) != 0;

    private void DefineRegisters()
    {
        _regs.Define(DeviceTableBase, 0, AddressMask | 0x1FF);
        _regs.Define(CommandBufferBase, 0);                              // written through WriteRingRegister
        _regs.Define(EventLogBase, 0);
        ulong control = 0xFFFF;                                           // bits 15:0 (IOMMUEn .. PPREn)
        if (ExtendedFeature.GuestTranslationSupported) control |= (ulong)ControlBits.GuestTranslationEnable;
        if (ExtendedFeature.GuestApicSupported) control |= (ulong)ControlBits.GuestApicEnable;
        if (ExtendedFeature.XtSupported) control |= (ulong)(ControlBits.XtEnable | ControlBits.InterruptCapXtEnable);
        _regs.Define(AmdViRegisterOffsets.Control, 0, control);
        _regs.Define(ExclusionBase, 0, AddressMask | 3);
        _regs.Define(ExclusionLimit, 0xFFF, AddressMask);
        _regs.Define(AmdViRegisterOffsets.ExtendedFeature, ExtendedFeature.Raw);
        _regs.Define(PprLogBase, 0);
        // XT general interrupt control (Linux union intcapxt): DM 2, Destination[23:0] 31:8, Vector 39:32, Destination[31:24] 63:56.
        if (ExtendedFeature.XtSupported) _regs.Define(EventInterruptXt, 0, 0xFF00_00FF_FFFF_FF04);
        _regs.Define(CommandHead, 0);
        _regs.Define(CommandTail, 0);
        _regs.Define(EventHead, 0);
        _regs.Define(EventTail, 0);
        _regs.Define(AmdViRegisterOffsets.Status, 0, 0,
            (ulong)(StatusBits.EventOverflow | StatusBits.EventLogInterrupt | StatusBits.CompletionWaitInterrupt | StatusBits.PprOverflow | StatusBits.PprInterrupt));
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
        var before = Control;
        // Ring registers take whole-register semantics (below); every other byte is an ordinary RW/RW1C write.
        var rings = RingRegisters;
        for (int i = 0; i < width; i++)
        {
            ulong at = offset + (ulong)i;
            if (!rings.Any(r => at >= (ulong)r && at < (ulong)r + 8)) _regs.Write(at, 1, (value >> (8 * i)) & 0xFF);
        }
        foreach (int r in rings)
        {
            if (offset < (ulong)r + 8 && (ulong)r < offset + (ulong)width) WriteRingRegister(r, Merge(r, offset, width, value));
        }
        if (offset < (ulong)AmdViRegisterOffsets.Control + 8 && (ulong)AmdViRegisterOffsets.Control < offset + (ulong)width)
            AfterControlWrite(before, Control);
    }

    private static readonly int[] RingRegisters = [CommandBufferBase, EventLogBase, CommandHead, CommandTail, EventHead, EventTail];

    /// <summary>The register's current value with the bytes of this write put in.</summary>
    private ulong Merge(int register, ulong offset, int width, ulong value)
    {
        ulong merged = _regs.Get(register);
        for (int i = 0; i < width; i++)
        {
            long b = (long)(offset + (ulong)i) - register;
            if (b is < 0 or > 7) continue;
            merged = (merged & ~(0xFFUL << (int)(8 * b))) | ((value >> (8 * i)) & 0xFF) << (int)(8 * b);
        }
        return merged;
    }

    /// <summary>
    /// §3.4.2/§3.4.3/§3.4.9/§3.4.10 (behaviour as VirtualBox's DevIommuAmd implements the spec's "undefined" cases):
    /// a base register is ignored while its ring runs or with a length below 8 (256 entries), and writing it clears
    /// head and tail; a head/tail pointer beyond the ring is ignored, and so is a write to the head the IOMMU is
    /// consuming (command head) or the tail it is producing (event tail) while that ring runs.
    /// </summary>
    private void WriteRingRegister(int register, ulong raw)
    {
        bool cmdRun = (Status & StatusBits.CommandBufferRun) != 0, evtRun = (Status & StatusBits.EventLogRun) != 0;
        switch (register)
        {
            case CommandBufferBase or EventLogBase:
            {
                bool running = register == CommandBufferBase ? cmdRun : evtRun;
                ulong v = raw & (AddressMask | 0xFUL << 56);
                if (running || ((v >> 56) & 0xF) < 8) return;
                _regs.Set(register, v);
                int head = register == CommandBufferBase ? CommandHead : EventHead;
                _regs.Set(head, 0);
                _regs.Set(head + 8, 0);
                return;
            }
            default:
            {
                ulong size = register is CommandHead or CommandTail ? CommandBufferBytes : EventLogBytes;
                ulong v = raw & PointerMask;
                if (v >= size) return;
                if ((register == CommandHead && cmdRun) || (register == EventTail && evtRun)) return;
                _regs.Set(register, v);
                return;
            }
        }
    }

    /// <summary>
    /// §3.4.4/§3.4.11: EventLogRun and CmdBufRun follow IOMMUEn with EventLogEn/CmdBufEn; turning an enable on
    /// (again) restarts a log stopped by overflow or a command buffer halted by an error.
    /// </summary>
    private void AfterControlWrite(ControlBits before, ControlBits after)
    {
        bool Rose(ControlBits bit) => (after & bit) != 0 && ((before & bit) == 0 || (before & ControlBits.IommuEnable) == 0);
        bool on = (after & ControlBits.IommuEnable) != 0;
        ulong set = 0, clear = 0;
        // VBox iommuAmdCtrl_w: (re-)enabling the log also clears EventOverflow.
        if (!on || (after & ControlBits.EventLogEnable) == 0) clear |= (ulong)StatusBits.EventLogRun;
        else if (Rose(ControlBits.EventLogEnable)) { set |= (ulong)StatusBits.EventLogRun; clear |= (ulong)StatusBits.EventOverflow; }
        if (!on || (after & ControlBits.CommandBufferEnable) == 0) clear |= (ulong)StatusBits.CommandBufferRun;
        else if (Rose(ControlBits.CommandBufferEnable)) set |= (ulong)StatusBits.CommandBufferRun;
        _regs.SetBits(AmdViRegisterOffsets.Status, set, clear);
    }

    // ---- unit interrupts (§2.5.1 event log interrupt, §2.4.1 completion-wait interrupt) ---------------

    /// <summary>Event and completion-wait interrupts sent through the XT interrupt control register.</summary>
    public int EventsSent { get; private set; }

    /// <summary>
    /// The IOMMU's own interrupts go out through its PCI MSI capability, or with Control.IntCapXTEn through the XT
    /// general interrupt control register at 0x170. The model has no PCI function for the IOMMU, so it sends
    /// them only in XT mode and otherwise leaves the status bit for software to poll.
    /// </summary>
    private void SendUnitInterrupt()
    {
        if ((Control & ControlBits.InterruptCapXtEnable) == 0) return;
        ulong x = _regs.Get(EventInterruptXt);
        uint destination = (uint)((x >> 8) & 0xFF_FFFF) | (uint)(x >> 56) << 24;
        _interrupts.Deliver(destination, (int)((x >> 32) & 0xFF), 0);
        EventsSent++;
    }
}
