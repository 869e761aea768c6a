using Conformance.Reference.Interrupts;

namespace Conformance.Reference.Platform;

public enum DmaDirection { Read, Write }

/// <summary>One upstream memory request as it arrives at the root complex, after DMA aliasing has applied.</summary>
/// <param name="Segment">PCI segment (domain) of the requester.</param>
/// <param name="RequesterId">The requester ID on the wire (may be an alias of the issuing function).</param>
/// <param name="Address">The bus address the device drove (IOVA / PCI address).</param>
/// <param name="Length">Bytes; never crosses a 4 KiB boundary of <paramref name="Address"/>.</param>
public readonly record struct DmaRequest(int Segment, ushort RequesterId, ulong Address, int Length, DmaDirection Direction, uint? Pasid = null);

public enum DmaResultKind
{
    /// <summary>Translated (or untranslated and allowed): the access goes to <see cref="DmaTranslation.Address"/>.</summary>
    Ok,
    /// <summary>Blocked and recorded with an architected fault reason code (VT-d) or event (AMD-Vi).</summary>
    Fault,
    /// <summary>Blocked because the requester's partitionable endpoint is (now) frozen (POWER EEH).</summary>
    Frozen,
    /// <summary>Allowed, but the target is not backed: the completer answers Unsupported Request (master abort).</summary>
    Abort,
    /// <summary>The write is an interrupt request (e.g. x86 0xFEEx_xxxx): it is handled as an MSI, not a memory write.</summary>
    Interrupt,
}

/// <summary>The answer of the platform's IOMMU or PHB for one request: a value, never an exception.</summary>
public readonly record struct DmaTranslation(DmaResultKind Kind, ulong Address = 0, int Reason = 0, string? Event = null, int Pe = -1, string? Why = null)
{
    public static DmaTranslation Ok(ulong hostPhysical) => new(DmaResultKind.Ok, hostPhysical);
    /// <summary>A fault with the architecture's reason code; <paramref name="why"/> is the model's diagnostic (which step, which entry).</summary>
    public static DmaTranslation Fault(int reason, string? why = null) => new(DmaResultKind.Fault, Reason: reason, Why: why);
    public static DmaTranslation FaultEvent(string eventName, string? why = null) => new(DmaResultKind.Fault, Event: eventName, Why: why);
    public static DmaTranslation Frozen(int pe, string? why = null) => new(DmaResultKind.Frozen, Pe: pe, Why: why);
    public static DmaTranslation Interrupt => new(DmaResultKind.Interrupt);
}

/// <summary>An MSI/MSI-X write as it arrives at the root complex.</summary>
public readonly record struct MsiRequest(int Segment, ushort RequesterId, ulong Address, uint Data);

public enum InterruptResultKind
{
    Delivered,
    /// <summary>Blocked; <see cref="InterruptOutcome.Reason"/> is the architected fault reason (e.g. VT-d 0x20-0x27) if one was recorded.</summary>
    Blocked,
    /// <summary>Posted to a posted-interrupt descriptor in memory (VT-d posted format) rather than to a CPU.</summary>
    Posted,
}

public readonly record struct InterruptOutcome(InterruptResultKind Kind, uint Destination = 0, int Vector = 0, int Reason = 0, string? Event = null, ulong DescriptorAddress = 0, string? Why = null)
{
    public static InterruptOutcome Delivered(uint destination, int vector) => new(InterruptResultKind.Delivered, destination, vector);
    public static InterruptOutcome Blocked(int reason, string? why = null) => new(InterruptResultKind.Blocked, Reason: reason, Why: why);
    public static InterruptOutcome BlockedEvent(string? eventName, string? why = null) => new(InterruptResultKind.Blocked, Event: eventName, Why: why);
    public static InterruptOutcome Posted(ulong descriptor, int vector) => new(InterruptResultKind.Posted, Vector: vector, DescriptorAddress: descriptor);
}

/// <summary>
/// The one seam in the DMA and interrupt path where a platform's IOMMU (VT-d, AMD-Vi) or PHB (POWER) plugs in.
/// The machine hands it every upstream request after DMA aliasing; it answers with an architected outcome.
/// </summary>
public interface IIoBridge
{
    /// <summary>The platform name as in vector files: <c>none</c>, <c>intel-vtd</c>, <c>amd-vi</c>, <c>power-phb</c>.</summary>
    string Platform { get; }

    DmaTranslation Translate(in DmaRequest request);

    /// <summary>Validates/remaps an interrupt message and says where it goes; the machine then delivers it.</summary>
    InterruptOutcome Remap(in MsiRequest request);
}

/// <summary>Queued work a unit processes only when the clock ticks (formats.md §4 <c>tick</c>).</summary>
public interface ITickable
{
    /// <summary>Processes up to <paramref name="count"/> queued items; returns how many it processed.</summary>
    int Tick(int count);
}

/// <summary>
/// Platform <c>none</c>: no IOMMU. DMA goes straight to memory at the bus address; on x86 a write into
/// 0xFEE00000-0xFEEFFFFF is an interrupt request in compatibility format, delivered unvalidated.
/// This is the VFIO NOIOMMU situation: nothing isolates anything.
/// </summary>
public sealed class DirectBridge : IIoBridge
{
    public string Platform => "none";

    public DmaTranslation Translate(in DmaRequest request) =>
        request.Direction == DmaDirection.Write && X86MsiMessage.InWindow(request.Address)
            ? DmaTranslation.Interrupt
            : DmaTranslation.Ok(request.Address);

    public InterruptOutcome Remap(in MsiRequest request)
    {
        if (!X86MsiMessage.InWindow(request.Address))
            return InterruptOutcome.Blocked(0, $"address 0x{request.Address:x} is outside the interrupt window");
        var msi = new X86MsiMessage(request.Address, request.Data);
        return InterruptOutcome.Delivered(msi.DestinationId, msi.Vector);
    }
}
