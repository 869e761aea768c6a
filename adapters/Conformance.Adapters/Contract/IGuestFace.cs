namespace Conformance.Adapters;

/// <summary>What the platform lets a guest use to make its memory visible to its devices (architecture.md "Two faces").</summary>
public interface IGuestFace
{
    GuestFaceKind Kind { get; }
}

/// <summary>No IOMMU (VFIO NOIOMMU): the guest learns the host physical address of its memory (as a NOIOMMU user
/// reads /proc/self/pagemap) and gives that to its device. There is nothing to map or unmap.</summary>
public interface IHostPhysicalFace : IGuestFace
{
    Result<ulong> HostPhysicalOf(ulong guestPhysical);
}

/// <summary>No guest-visible IOMMU: all guest memory is mapped 1:1; bus address = guest-physical address.</summary>
public interface IIdentityFace : IGuestFace
{
}

/// <summary>Paravirt TCE calls into the guest's windows (H_PUT_TCE, H_STUFF_TCE, H_GET_TCE; RTAS DDW).</summary>
public interface IParavirtTceFace : IGuestFace
{
    IWindowedDma Tce { get; }
}

/// <summary>An emulated IOMMU whose first-level tables the guest writes in its own memory.</summary>
public interface IEmulatedIommuFace : IGuestFace
{
    INestedDma FirstLevel { get; }
}
