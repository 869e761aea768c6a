using Conformance.Reference.Bus;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Memory;
using Conformance.Reference.Platform;

namespace Conformance.Suite.Tests.TestPlatform;

/// <summary>Fault reasons of the test IOMMU (its own small architecture, not a real one).</summary>
public enum TestIommuFault
{
    DeviceNotPresent = 1,
    AddressBeyondWidth = 2,
    NotPresent = 3,
    WriteDenied = 4,
    ReadDenied = 5,
    TableUnreadable = 6,
    InterruptNotRemappable = 0x20,
    InterruptEntryNotPresent = 0x21,
    InterruptSourceMismatch = 0x22,
}

/// <summary>
/// A deliberately small page-table IOMMU for the kit's own tests, so a correct adapter (and broken variants of it)
/// can run before the VT-d, AMD-Vi and POWER models are merged. Registers (8 bytes each):
/// 0x00 CAP (levels 3, 39-bit IOVA), 0x08 DEVICE_TABLE (host physical base of 65536 8-byte entries indexed by
/// requester ID: bit 0 present, bits 51:12 page-table root, bits 63:52 domain), 0x10 IRT (256 16-byte interrupt
/// entries: qword 0 bit 0 present, bits 15:8 vector, bits 39:32 destination; qword 1 bits 15:0 source requester ID),
/// 0x18 INVALIDATE (write: bit 0 global, else bits 27:16 domain), 0x20 FAULTS (count), 0x28 LAST_FAULT (bus address).
/// Page tables: 3 levels of 512 entries, bit 0 read (present), bit 1 write, bits 51:12 next table or page.
/// Its IOTLB caches every translation it walks and keeps it until invalidated, stale or not.
/// Interrupts must use the remappable format (address bit 4; handle in address bits 19:5), else they are blocked.
/// </summary>
public sealed class TestIommu : IIoBridge, IMmioRegion
{
    public const ulong RegisterSize = 0x1000;
    private const int Levels = 3, Width = 39, IrtEntries = 256;
    private readonly PhysicalMemory _memory;
    private readonly Dictionary<(ushort Rid, ulong Page), (ulong Frame, bool Write, int Domain)> _iotlb = new();
    private ulong _deviceTable, _irt, _faults, _lastFault;

    public TestIommu(PhysicalMemory memory) => _memory = memory;

    public string Platform => "test-iommu";

    public ulong Read(ulong offset, int width) => offset switch
    {
        0x00 => Levels | (Width << 8),
        0x08 => _deviceTable,
        0x10 => _irt,
        0x20 => _faults,
        0x28 => _lastFault,
        _ => 0,
    };

    public void Write(ulong offset, int width, ulong value)
    {
        switch (offset)
        {
            case 0x08: _deviceTable = value & ~0xfffUL; break;
            case 0x10: _irt = value & ~0xfffUL; break;
            case 0x18:
                if ((value & 1) != 0) _iotlb.Clear();
                else
                {
                    int domain = (int)((value >> 16) & 0xfff);
                    foreach (var k in _iotlb.Where(e => e.Value.Domain == domain).Select(e => e.Key).ToList()) _iotlb.Remove(k);
                }
                break;
        }
    }

    public DmaTranslation Translate(in DmaRequest request)
    {
        // A write into the x86 interrupt window is an interrupt request (as on VT-d), handled by Remap.
        if (X86MsiMessage.InWindow(request.Address))
            return request.Direction == DmaDirection.Write ? DmaTranslation.Interrupt : Fault(request, TestIommuFault.ReadDenied, "read of the interrupt window");
        ulong page = request.Address >> 12;
        bool write = request.Direction == DmaDirection.Write;
        // 1. The IOTLB answers first, whatever memory now says.
        if (_iotlb.TryGetValue((request.RequesterId, page), out var hit))
        {
            if (write && !hit.Write) return Fault(request, TestIommuFault.WriteDenied, "IOTLB entry read-only");
            return DmaTranslation.Ok(hit.Frame | (request.Address & 0xfff));
        }
        // 2. The device table entry must be present.
        if (_deviceTable == 0 || !_memory.TryReadLe64(_deviceTable + request.RequesterId * 8UL, out ulong dte))
            return Fault(request, TestIommuFault.TableUnreadable, "device table not set or unreadable");
        if ((dte & 1) == 0) return Fault(request, TestIommuFault.DeviceNotPresent, $"device table entry of requester 0x{request.RequesterId:x4} not present");
        // 3. The address must fit the IOVA width.
        if (request.Address >> Width != 0) return Fault(request, TestIommuFault.AddressBeyondWidth, "beyond 39 bits");
        // 4. Walk three levels.
        ulong table = dte & 0x000f_ffff_ffff_f000UL;
        ulong entry = 0;
        for (int level = Levels - 1; level >= 0; level--)
        {
            int index = (int)((request.Address >> (12 + 9 * level)) & 0x1ff);
            if (!_memory.TryReadLe64(table + (ulong)index * 8, out entry)) return Fault(request, TestIommuFault.TableUnreadable, $"level {level} table unreadable");
            if ((entry & 1) == 0) return Fault(request, TestIommuFault.NotPresent, $"level {level} entry {index} not present");
            table = entry & 0x000f_ffff_ffff_f000UL;
        }
        // 5. Permissions of the leaf.
        if (write && (entry & 2) == 0) return Fault(request, TestIommuFault.WriteDenied, "leaf read-only");
        _iotlb[(request.RequesterId, page)] = (table, (entry & 2) != 0, (int)(dte >> 52));
        return DmaTranslation.Ok(table | (request.Address & 0xfff));
    }

    private DmaTranslation Fault(in DmaRequest r, TestIommuFault reason, string why)
    {
        _faults++;
        _lastFault = r.Address;
        return DmaTranslation.Fault((int)reason, why);
    }

    public InterruptOutcome Remap(in MsiRequest request)
    {
        if (!X86MsiMessage.InWindow(request.Address)) return InterruptOutcome.Blocked((int)TestIommuFault.InterruptNotRemappable, "outside the interrupt window");
        var msi = new X86MsiMessage(request.Address, request.Data);
        // 1. Only the remappable format is accepted (compatibility format is blocked).
        if (!msi.RemappableFormat) return InterruptOutcome.Blocked((int)TestIommuFault.InterruptNotRemappable, "compatibility-format interrupt blocked");
        // 2. The handle selects an entry that must be present and belong to the requester.
        int handle = (int)((request.Address >> 5) & 0x7fff);
        if (_irt == 0 || handle >= IrtEntries || !_memory.TryReadLe64(_irt + (ulong)handle * 16, out ulong lo) || !_memory.TryReadLe64(_irt + (ulong)handle * 16 + 8, out ulong hi) || (lo & 1) == 0)
            return InterruptOutcome.Blocked((int)TestIommuFault.InterruptEntryNotPresent, $"interrupt entry {handle} not present");
        if ((ushort)hi != request.RequesterId)
            return InterruptOutcome.Blocked((int)TestIommuFault.InterruptSourceMismatch, $"entry {handle} belongs to requester 0x{(ushort)hi:x4}, not 0x{request.RequesterId:x4}");
        return InterruptOutcome.Delivered((uint)((lo >> 32) & 0xff), (int)((lo >> 8) & 0xff));
    }
}
