using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Sample.Adapters;

/// <summary>
/// A deliberately careless adapter: each method breaks one policy rule, so the build shows each rule's ID once.
/// </summary>
public sealed class CarelessAdapter(IPlatformAccess platform, IWindowedDma tce, GuestCpuMap cpuMap)
{
    // DAK001: isolation decided from bus numbers instead of the platform's groups.
    public bool CanSplit(Bdf a, Bdf b) => a.Bus != b.Bus;

    // DAK002: one device of a group attached on its own.
    public Bdf Primary(IsolationGroup group) => group.Devices[0];

    // DAK003: a 4 KiB IO page in platform-neutral code.
    public static bool Aligned(ulong iova) => (iova & 0xFFF) == 0;

    // DAK004: a BAR page mapped without asking MsixTableMappable / SubPageBarMapping.
    public void MapBar(BarFacts bar, ulong gpa) => cpuMap.Map(gpa, bar.Base, GuestCpuMap.PageSize, CpuMapKind.Mmio);

    // DAK005: a hypercall's result dropped.
    public void Put(ulong ioba, ulong gpa) => tce.PutTce(ioba, gpa | 3);

    // DAK006: the model's IOMMU object asked directly.
    public static string Peek(Machine machine) => machine.Bridge.Platform;

    // DAK007: a TCE cleared without a TCE kill.
    public bool Clear(ulong entry) => platform.Memory.TryWriteBe(entry, 8, 0);
}
