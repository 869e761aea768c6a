using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.AmdVi;

/// <summary>§2.4 "Commands": the opcode in bits 63:60 of the first quadword (Linux CMD_*).</summary>
public enum AmdViCommandOpcode
{
    CompletionWait = 1,
    InvalidateDevTabEntry = 2,
    InvalidateIommuPages = 3,
    InvalidateIotlbPages = 4,
    InvalidateInterruptTable = 5,
    PrefetchIommuPages = 6,
    CompletePprRequest = 7,
    InvalidateIommuAll = 8,
}

/// <summary>One 128-bit command buffer entry.</summary>
public readonly record struct AmdViCommand(ulong Q0, ulong Q1)
{
    public AmdViCommandOpcode Opcode => (AmdViCommandOpcode)(Q0 >> 60);
    public ushort DeviceId => (ushort)Q0;
    public ushort DomainId => (ushort)(Q0 >> 32);
    public uint Pasid => (uint)(Q0 & 0xF_FFFF);
    // COMPLETION_WAIT
    public bool Store => (Q0 & 1) != 0;
    public bool Interrupt => (Q0 & 2) != 0;
    public bool Flush => (Q0 & 4) != 0;
    public ulong StoreAddress => Q0 & 0x000F_FFFF_FFFF_FFF8;
    public ulong StoreData => Q1;
    // INVALIDATE_IOMMU_PAGES
    public bool SizeEncoded => (Q1 & 1) != 0;
    public bool PageDirectoryEntries => (Q1 & 2) != 0;
    public bool GuestEntries => (Q1 & 4) != 0;
    public ulong PagesAddress => Q1 & ~0xFFFUL;

    /// <summary>
    /// §2.4.3: the range INVALIDATE_IOMMU_PAGES covers. S=0: the 4 KiB page. S=1: the size is 2^(z+1) where z is the
    /// lowest zero address bit at or above 12; no zero below bit 63 (Linux writes 0x7FFF_FFFF_FFFF_F000) means all.
    /// </summary>
    public (ulong First, ulong Last) PagesRange()
    {
        ulong a = PagesAddress;
        if (!SizeEncoded) return (a, a | 0xFFF);
        int z = System.Numerics.BitOperations.TrailingZeroCount(~(a | 0xFFF));
        if (z >= 63) return (0, ulong.MaxValue);
        ulong mask = (1UL << (z + 1)) - 1;
        return (a & ~mask, a | mask);
    }
}

public sealed partial class AmdViUnit
{
    /// <summary>ComLen 59:56: 2^ComLen entries; encodings below 8 are reserved and read as 8.</summary>
    private ulong CommandBufferBytes => 16UL << Math.Max(8, (int)((_regs.Get(CommandBufferBase) >> 56) & 0xF));

    /// <summary>Commands executed without error since reset (observation for tests).</summary>
    public int CommandsExecuted { get; private set; }

    /// <summary>
    /// §2.4: with CmdBufRun, executes up to <paramref name="count"/> commands from head towards tail. A command
    /// that cannot be read is logged as COMMAND_HARDWARE_ERROR with the head left on it; a fetched command advances
    /// the head before it runs (VBox iommuAmdR3CmdThread, QEMU amdvi_cmdbuf_run), and if it is illegal
    /// (ILLEGAL_COMMAND_ERROR: unknown or unsupported opcode, reserved bits set) or its store fails
    /// (COMMAND_HARDWARE_ERROR) the event carries its address. Either error clears CmdBufRun until software
    /// re-enables CmdBufEn.
    /// </summary>
    public int Tick(int count)
    {
        int done = 0;
        ulong size = CommandBufferBytes;
        while (done < count && (Status & StatusBits.CommandBufferRun) != 0)
        {
            ulong head = (_regs.Get(CommandHead) & PointerMask) % size;
            ulong tail = (_regs.Get(CommandTail) & PointerMask) % size;
            if (head == tail) break;
            ulong at = (_regs.Get(CommandBufferBase) & AddressMask) + head;
            // 1. Fetch.
            if (!_memory.TryReadLe64(at, out ulong q0) || !_memory.TryReadLe64(at + 8, out ulong q1))
            {
                Halt(AmdViEventEntry.Make(AmdViEventType.CommandHardwareError, 0, 0, AmdViEventFlags.None, at, HardwareErrorType.MasterAbort));
                break;
            }
            // 2. Advance the head, then execute; an illegal command halts the buffer.
            _regs.Set(CommandHead, (head + 16) % size);
            done++;
            var command = new AmdViCommand(q0, q1);
            if (Execute(command) is { } error)
            {
                Halt(error.Type == AmdViEventType.CommandHardwareError ? error : AmdViEventEntry.Make(AmdViEventType.IllegalCommandError, 0, 0, AmdViEventFlags.None, at));
                break;
            }
            CommandsExecuted++;
        }
        return done;
    }

    private void Halt(AmdViEventEntry e)
    {
        _regs.SetBits(AmdViRegisterOffsets.Status, 0, (ulong)StatusBits.CommandBufferRun);
        LogEvent(e);
    }

    /// <summary>Runs one command; returns the error event (type only is used for illegal commands) or null.</summary>
    private AmdViEventEntry? Execute(in AmdViCommand c)
    {
        var illegal = AmdViEventEntry.Make(AmdViEventType.IllegalCommandError, 0, 0, AmdViEventFlags.None, 0);
        switch (c.Opcode)
        {
            case AmdViCommandOpcode.CompletionWait:
                // §2.4.1: reserved 59:52; S stores the 64-bit data, I sets ComWaitInt (interrupt with ComWaitIntEn), F is a flush (no posted writes are modelled).
                if ((c.Q0 & 0x0FF0_0000_0000_0000UL) != 0) return illegal;
                if (c.Store && !_memory.TryWriteLe(c.StoreAddress, 8, c.StoreData))
                    return AmdViEventEntry.Make(AmdViEventType.CommandHardwareError, 0, 0, AmdViEventFlags.None, c.StoreAddress, HardwareErrorType.MasterAbort);
                if (c.Interrupt)
                {
                    _regs.SetBits(AmdViRegisterOffsets.Status, (ulong)StatusBits.CompletionWaitInterrupt, 0);
                    if ((Control & ControlBits.CompletionWaitInterruptEnable) != 0) SendUnitInterrupt();
                }
                return null;
            case AmdViCommandOpcode.InvalidateDevTabEntry:
                // §2.4.2: DeviceID 15:0, everything else reserved.
                if ((c.Q0 & 0x0FFF_FFFF_FFFF_0000UL) != 0 || c.Q1 != 0) return illegal;
                DeviceTableCache.Invalidate(c.DeviceId);
                return null;
            case AmdViCommandOpcode.InvalidateIommuPages:
            {
                // §2.4.3: PASID 19:0, DomainID 47:32; reserved 31:20, 59:48 and 75:67. GN=1 (illegal without GTSup) targets the
                // guest translations of (DomainID, PASID), the range being guest virtual; GN=0 the domain's host translations
                // and the guest ones that went through a guest physical page in the range.
                if ((c.Q0 & 0x0FFF_0000_FFF0_0000UL) != 0 || (c.Q1 & 0xFF8UL) != 0) return illegal;
                if (c.GuestEntries && !ExtendedFeature.GuestTranslationSupported) return illegal;
                var (first, last) = c.PagesRange();
                if (c.GuestEntries)
                {
                    GuestIotlb.InvalidateGuest(c.DomainId, c.Pasid, first, last);
                }
                else
                {
                    Iotlb.Invalidate(c.DomainId, first, last);
                    GuestIotlb.InvalidateHost(c.DomainId, first, last);
                }
                return null;
            }
            case AmdViCommandOpcode.InvalidateIotlbPages:
                // §2.4.4: only with IOTLB support (capability header IotlbSup); this IOMMU reports none (VBox: illegal).
                return illegal;
            case AmdViCommandOpcode.InvalidateInterruptTable:
                // §2.4.5: DeviceID 15:0, everything else reserved.
                if ((c.Q0 & 0x0FFF_FFFF_FFFF_0000UL) != 0 || c.Q1 != 0) return illegal;
                InterruptTableCache.Invalidate(c.DeviceId);
                return null;
            case AmdViCommandOpcode.InvalidateIommuAll:
                // §2.4.8: only with EFR.IASup; all other bits reserved.
                if (!ExtendedFeature.InvalidateAllSupported || (c.Q0 & 0x0FFF_FFFF_FFFF_FFFFUL) != 0 || c.Q1 != 0) return illegal;
                DeviceTableCache.Clear();
                Iotlb.Clear();
                GuestIotlb.Clear();
                InterruptTableCache.Clear();
                return null;
            default:
                // PREFETCH_IOMMU_PAGES needs EFR.PrefSup, COMPLETE_PPR_REQUEST EFR.PPRSup (both 0 here); other opcodes are undefined.
                return illegal;
        }
    }
}
