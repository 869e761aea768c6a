using Conformance.Adapters;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Suite.Tests.IntelVtd;

/// <summary>Deliberate flaws of the VT-d reference adapter, each breaking one requirement.</summary>
[Flags]
public enum VtdFlaw
{
    None = 0,
    /// <summary>Unmap clears the second-level entries but never invalidates the IOTLB.</summary>
    MissedIotlbInvalidation = 1,
    /// <summary>Every domain gets DID 1: two owners' translations share IOTLB tags.</summary>
    SharedDomainId = 2,
    /// <summary>IRTEs are written with SVT = 0: no source-id verification.</summary>
    NoSourceIdValidation = 4,
    /// <summary>Attach puts only the group's first function into the domain.</summary>
    SplitGroup = 8,
}

/// <summary>The VT-d adapter with <see cref="VtdFlaw"/>s, through the adapter's overridable policy hooks.</summary>
public sealed class BrokenVtdAdapterFactory(VtdFlaw flaws) : VtdAdapterFactory(false)
{
    public override string Name => $"intel-vtd-{flaws}".ToLowerInvariant().Replace(", ", "-");

    protected override VtdAdapter CreateAdapter(IPlatformAccess platform) => new BrokenVtdAdapter(platform, Capabilities, flaws);

    private sealed class BrokenVtdAdapter(IPlatformAccess platform, AdapterCapabilities capabilities, VtdFlaw flaws)
        : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        protected override ushort? AllocateDomainId() => flaws.HasFlag(VtdFlaw.SharedDomainId) ? (ushort)1 : base.AllocateDomainId();

        protected override void FreeDomainId(ushort did)
        {
            if (!flaws.HasFlag(VtdFlaw.SharedDomainId)) base.FreeDomainId(did);
        }

        protected override IEnumerable<Bdf> DomainMembers(IsolationGroup group) =>
            flaws.HasFlag(VtdFlaw.SplitGroup) ? group.Devices.Take(1) : base.DomainMembers(group);

        protected override bool InvalidatesOnUnmap => !flaws.HasFlag(VtdFlaw.MissedIotlbInvalidation) && base.InvalidatesOnUnmap;

        protected override ulong SourceValidation(Bdf device) =>
            flaws.HasFlag(VtdFlaw.NoSourceIdValidation) ? device.RequesterId : base.SourceValidation(device);
    }
}
