using Conformance.Reference.Interrupts;
using Conformance.Reference.Platform;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §3.4 legacy-mode address translation of one untranslated request: interrupt address range
/// (§3.14), translation enable, context entry (context-cache, else root and context tables), pass-through,
/// address width, IOTLB, else the second-level walk, and the interrupt-range check on the output. Every fault is
/// recorded per §7.2 (FPD permitting) and returned with its reason code.
/// </summary>
public sealed partial class VtdUnit
{
    private readonly int _mgawLimit;

    /// <summary>DMA translations answered (observation for tests and benchmarks).</summary>
    public long Translations { get; private set; }

    public DmaTranslation Translate(in DmaRequest request)
    {
        Translations++;
        ulong address = request.Address;
        bool write = request.Direction == DmaDirection.Write;

        // 1. §3.14: requests-without-PASID to 0xFEEx_xxxx are never remapped as DMA. A DWORD write is an interrupt
        //    message; anything else there (a read, a write of another length) is blocked (0xE) when translation is on.
        if (X86MsiMessage.InWindow(address) && request.Pasid is null)
        {
            if (write && request.Length == 4) return DmaTranslation.Interrupt;
            if (!_translationEnabled) return DmaTranslation.Ok(address);
            return Fault(VtdFaultReason.InterruptAddress, request, fpd: false, $"{(write ? $"{request.Length}-byte write" : "read")} in the interrupt address range 0xFEEx_xxxx");
        }

        // 2. Translation disabled: the request passes untranslated.
        if (!_translationEnabled) return DmaTranslation.Ok(address);

        // 3. Legacy mode (ECAP.SMTS=0, ECAP.PASID=0) serves requests-without-PASID only; one with a PASID is an
        //    unsupported request (completer abort), not a remapping fault. Scalable mode would branch here on _rootMode.
        if (request.Pasid is not null)
            return new DmaTranslation(DmaResultKind.Abort, Why: "request with PASID in legacy translation mode (ECAP.PASID=0)");

        // 4. The context entry: context-cache, else root and context tables.
        if (!ContextCache.TryGet(request.Segment, request.RequesterId, out var context))
        {
            var reason = ContextTable.Locate(_memory, _rootTable, request.RequesterId, _haw, Config.Sagaw,
                ExtendedCapability.PassThrough, out context, out string? why);
            if (reason != VtdFaultReason.None) return Fault(reason, request, context.FaultProcessingDisable, why);
            ContextCache.Insert(request.Segment, request.RequesterId, context);
        }

        // 5. Pass-through: the input address is the output address.
        if (context.Type == TranslationType.PassThrough) return DmaTranslation.Ok(address);

        // 6. The input address must fit min(AGAW, MGAW).
        int width = Math.Min(context.AdjustedGuestAddressWidth, _mgawLimit);
        if ((address >> width) != 0)
            return Fault(VtdFaultReason.AddressBeyondMgaw, request, context.FaultProcessingDisable, $"address 0x{address:x} is beyond the {width}-bit address width");

        // 7. IOTLB hit with the right, else walk and fill. A cached entry that denies the access is re-walked
        //    (no negative caching, CAP.CM=0), so a denial always reflects the tables.
        ulong output;
        if (Iotlb.TryLookup(context.DomainId, address, out var hit) && (write ? hit.Write : hit.Read))
        {
            output = hit.OutputBase | (address & ((1UL << hit.PageShift) - 1));
        }
        else
        {
            var reason = SecondLevelWalk.Walk(_memory, context.SecondLevelRoot, context.Levels, address, write, _haw,
                Capability.Supports2MiB, Capability.Supports1GiB, out var leaf, out string? why);
            if (reason != VtdFaultReason.None) return Fault(reason, request, context.FaultProcessingDisable, why);
            Iotlb.Insert(context.DomainId, address, leaf);
            output = leaf.PageBase | (address & leaf.PageMask);
        }

        // 8. §3.14: a translation that lands in the interrupt address range is blocked (spec: the output address;
        //    QEMU blocks when any part of the leaf page overlaps the range).
        if (X86MsiMessage.InWindow(output))
            return Fault(VtdFaultReason.InterruptAddress, request, context.FaultProcessingDisable, $"output 0x{output:x} is in the interrupt address range");
        return DmaTranslation.Ok(output);
    }

    private DmaTranslation Fault(VtdFaultReason reason, in DmaRequest request, bool fpd, string? why)
    {
        RecordDmaFault(reason, request.RequesterId, request.Address, request.Direction == DmaDirection.Write, fpd);
        return DmaTranslation.Fault((int)reason, why);
    }
}
