using Conformance.Adapters.Platform;
using Conformance.Reference.AmdVi;

namespace Conformance.Suite.Machine;

/// <summary>
/// Platform <c>amd-vi</c>: one AMD IOMMU (IVRS IVHD serving every device) from the reference model, its 16 KiB
/// register aperture at 0xFEB80000 (where AMD platforms put the first IOMMU's MMIO), 4-level host tables (EFR.HATS 0),
/// and two-level translation (EFR.GTSup, unit config <c>gt</c>) unless <paramref name="guestTranslation"/> is false.
/// </summary>
public sealed class AmdViPlatformModel(int levels = 4, bool guestTranslation = true) : IPlatformModel
{
    public const ulong RegisterBase = 0xFEB8_0000;
    public string Platform => "amd-vi";

    public IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine)
    {
        var config = new AmdViUnitConfig { Id = "ivhd0", MmioBase = RegisterBase, Levels = levels, GuestTranslation = guestTranslation };
        AmdViPlatform.Attach(machine, [config]);
        return [new UnitFacts(config.Id, "amd-vi", RegisterBase, AmdViRegisterOffsets.BlockSize)];
    }
}
