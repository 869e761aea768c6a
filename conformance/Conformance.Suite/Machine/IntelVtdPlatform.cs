using Conformance.Adapters.Platform;
using Conformance.Reference.IntelVtd;

namespace Conformance.Suite.Machine;

/// <summary>
/// Platform <c>intel-vtd</c>: one VT-d remapping unit (DRHD with INCLUDE_PCI_ALL) from the reference model,
/// registers at 0xFED90000 (where Intel platforms put the first DRHD), 48-bit AGAW, interrupt remapping unless
/// <paramref name="interruptRemapping"/> is false (ECAP.IR = 0, to check the unsafe-interrupts rule).
/// </summary>
public sealed class IntelVtdPlatform(bool interruptRemapping = true) : IPlatformModel
{
    public const ulong RegisterBase = 0xFED9_0000;
    public string Platform => "intel-vtd";

    public IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine)
    {
        var config = new VtdUnitConfig { Id = "dmar0", MmioBase = RegisterBase, InterruptRemapping = interruptRemapping };
        VtdPlatform.Attach(machine, [config]);
        return [new UnitFacts(config.Id, "intel-vtd", RegisterBase, VtdRegisterOffsets.BlockSize)];
    }
}
