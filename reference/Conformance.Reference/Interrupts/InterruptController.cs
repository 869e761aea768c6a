namespace Conformance.Reference.Interrupts;

/// <summary>One interrupt delivered to a CPU's interrupt controller.</summary>
public readonly record struct DeliveredInterrupt(uint Destination, int Vector, long Sequence, ushort SourceId);

/// <summary>
/// A local-APIC-like sink for one CPU (or, on POWER, one interrupt server): it records every vector delivered to
/// it, in order. The suite judges interrupt isolation by reading these records, never by asking an adapter.
/// </summary>
public sealed class LocalApic(uint id)
{
    private readonly List<DeliveredInterrupt> _delivered = [];

    public uint Id { get; } = id;
    public IReadOnlyList<DeliveredInterrupt> Delivered => _delivered;

    internal void Accept(DeliveredInterrupt interrupt) => _delivered.Add(interrupt);

    public void Clear() => _delivered.Clear();
}

/// <summary>The machine's CPUs' interrupt controllers, created on first delivery to an ID.</summary>
public sealed class InterruptController
{
    private readonly SortedDictionary<uint, LocalApic> _apics = new();
    private long _sequence;

    public IReadOnlyCollection<LocalApic> Apics => _apics.Values;

    public LocalApic this[uint id]
    {
        get
        {
            if (!_apics.TryGetValue(id, out var apic)) _apics[id] = apic = new LocalApic(id);
            return apic;
        }
    }

    public DeliveredInterrupt Deliver(uint destination, int vector, ushort sourceId)
    {
        var d = new DeliveredInterrupt(destination, vector, ++_sequence, sourceId);
        this[destination].Accept(d);
        return d;
    }

    /// <summary>Every interrupt delivered so far, in delivery order.</summary>
    public IEnumerable<DeliveredInterrupt> All => _apics.Values.SelectMany(a => a.Delivered).OrderBy(d => d.Sequence);
}

/// <summary>
/// An MSI in the x86 compatibility format (Intel SDM Vol. 3 §11.11 "Message Signalled Interrupts"):
/// address 0xFEE[dest 19:12][RH 3][DM 2]xx, data [trigger 15][level 14][delivery mode 10:8][vector 7:0].
/// </summary>
public readonly record struct X86MsiMessage(ulong Address, uint Data)
{
    public const ulong InterruptWindowBase = 0xFEE0_0000;
    public const ulong InterruptWindowSize = 0x10_0000;

    public static bool InWindow(ulong address) => address - InterruptWindowBase < InterruptWindowSize;

    public uint DestinationId => (uint)((Address >> 12) & 0xff);
    public bool RedirectionHint => (Address & 0x8) != 0;
    public bool LogicalDestination => (Address & 0x4) != 0;
    /// <summary>Bit 4: the VT-d "interrupt format" bit (1 = remappable format) when interrupt remapping is on.</summary>
    public bool RemappableFormat => (Address & 0x10) != 0;
    public int Vector => (int)(Data & 0xff);
    public int DeliveryMode => (int)((Data >> 8) & 7);
    public bool LevelTrigger => (Data & 0x8000) != 0;
}
