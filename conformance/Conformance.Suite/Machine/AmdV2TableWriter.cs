namespace Conformance.Suite.Machine;

/// <summary>
/// AMD IOMMU spec §2.2.6 (v2 / guest page tables): the suite's guest writing first-level format <c>amd-v2</c> in its
/// own memory, with its CPU: a one-level GCR3 table (GLX = 0) whose PASID-0 entry (bit 0 valid, 51:12 the guest CR3)
/// points at an x86-64 4-level table (PML4 → PDPT → PD → PT; P bit 0, R/W bit 1, U/S bit 2, address 51:12).
/// Every address here is guest physical. The raw setters let a check write anything (garbage, loops, host addresses).
/// </summary>
public sealed class AmdV2TableWriter
{
    public const string Format = "amd-v2";
    private const ulong Present = 1, Writable = 2, User = 4, AddressMask = 0x000F_FFFF_FFFF_F000UL;
    private readonly GuestHarness _guest;
    private readonly List<ulong> _tables = [];

    /// <summary>Allocates the GCR3 table and the PML4 in guest memory and links PASID 0 to the PML4.</summary>
    public AmdV2TableWriter(GuestHarness guest)
    {
        _guest = guest;
        Gcr3Table = NewTable();
        Pml4 = NewTable();
        SetEntry(Gcr3Table, 0, Pml4 | 1);
    }

    /// <summary>What <c>SetFirstLevelAsync</c> takes: the GCR3 table's guest-physical root.</summary>
    public ulong Gcr3Table { get; }
    public ulong Pml4 { get; }
    /// <summary>Every guest page this writer allocated for tables.</summary>
    public IReadOnlyList<ulong> Tables => _tables;

    private ulong NewTable()
    {
        ulong t = _guest.AllocateBuffer(0x1000);
        if (!_guest.Write(t, new byte[0x1000])) throw new InvalidOperationException($"guest table page 0x{t:x} is not the guest's RAM");
        _tables.Add(t);
        return t;
    }

    /// <summary>A CPU store of one 64-bit table entry (guest physical <paramref name="table"/>, index 0..511).</summary>
    public void SetEntry(ulong table, int index, ulong raw)
    {
        Span<byte> b = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, raw);
        if (!_guest.Write(table + (ulong)index * 8, b)) throw new InvalidOperationException($"guest table 0x{table:x} is not the guest's RAM");
    }

    public ulong GetEntry(ulong table, int index) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_guest.Read(table + (ulong)index * 8, 8) ?? throw new InvalidOperationException("not guest RAM"));

    /// <summary>Maps the 4 KiB guest-virtual page <paramref name="iova"/> to guest-physical <paramref name="gpa"/>
    /// (read/write, user), creating the directories on the way. Returns the guest-physical address of the leaf entry.</summary>
    public ulong Map(ulong iova, ulong gpa, bool writable = true)
    {
        ulong table = Pml4;
        for (int level = 4; level > 1; level--)
        {
            int index = (int)((iova >> (12 + 9 * (level - 1))) & 0x1FF);
            ulong e = GetEntry(table, index);
            // A directory entry that is absent, or (after a check wrote garbage) points outside the guest's RAM, is replaced.
            if ((e & Present) == 0 || (e & AddressMask) + 0x1000 > _guest.Guest.Config.MemorySize)
            {
                e = NewTable() | Present | Writable | User;
                SetEntry(table, index, e);
            }
            table = e & AddressMask;
        }
        int leaf = (int)((iova >> 12) & 0x1FF);
        SetEntry(table, leaf, (gpa & AddressMask) | Present | User | (writable ? Writable : 0));
        return table + (ulong)leaf * 8;
    }

    /// <summary>Clears the leaf entry of <paramref name="iova"/> (if its directories exist).</summary>
    public void Unmap(ulong iova)
    {
        ulong table = Pml4;
        for (int level = 4; level > 1; level--)
        {
            ulong e = GetEntry(table, (int)((iova >> (12 + 9 * (level - 1))) & 0x1FF));
            if ((e & Present) == 0 || (e & AddressMask) + 0x1000 > _guest.Guest.Config.MemorySize) return;
            table = e & AddressMask;
        }
        SetEntry(table, (int)((iova >> 12) & 0x1FF), 0);
    }
}
