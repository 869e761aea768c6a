namespace Conformance.Scenarios;

/// <summary>Which vendor's root complexes a generated machine has.</summary>
public enum Chipset
{
    /// <summary>Client PCH layout (iGPU, PCH root ports at 1c/1d, LPC at 1f) on the first root complex, IIO-like ones after it; optional VMD.</summary>
    Intel,
    /// <summary>Zen layout: root complex + IOMMU function, dummy host bridges with GPP root ports, internal GPP bridges, FCH, data fabric.</summary>
    Amd,
}

/// <summary>What <see cref="TopologyGenerator.Generate(TopologyOptions)"/> builds. Same options (seed included) give the same topology.</summary>
public sealed record TopologyOptions
{
    /// <summary>Seed of the generator's own <see cref="Bogus.Randomizer"/> (never Bogus's global seed).</summary>
    public int Seed { get; init; }

    /// <summary>Exact number of PCI functions in the topology (at least 1). Large counts spread over several root
    /// complexes and PCI segments, as on multi-socket servers.</summary>
    public int Functions { get; init; } = 64;

    /// <summary>Root-complex flavour; null draws it from the seed.</summary>
    public Chipset? Chipset { get; init; }

    /// <summary>PCIe switches (upstream port + downstream ports, with and without ACS).</summary>
    public bool Switches { get; init; } = true;

    /// <summary>Deepest nesting of switches below a root port (1 = switches only directly below root ports).</summary>
    public int MaxSwitchDepth { get; init; } = 2;

    /// <summary>PCIe-to-PCI and PCIe-to-PCI-X bridges, conventional PCI bridges and the conventional devices behind them.</summary>
    public bool PciBridges { get; init; } = true;

    /// <summary>Devices named by Linux's ACS and DMA-alias quirk tables (see <see cref="QuirkIds"/>).</summary>
    public bool Quirks { get; init; } = true;

    /// <summary>Multifunction endpoints (with and without ACS).</summary>
    public bool MultifunctionEndpoints { get; init; } = true;

    /// <summary>Ports without ACS, ports lacking RR/CR/UF, ACS implemented but not enabled. When false every root and
    /// downstream port implements ACS 0x5f with SV|RR|CR|UF enabled.</summary>
    public bool AcsVariety { get; init; } = true;

    /// <summary>An Intel VMD controller with NVMe root ports behind it in PCI domain 0x10000 (Intel only). Null: drawn from the seed.</summary>
    public bool? Vmd { get; init; }

    /// <summary>Root complexes sharing one PCI segment, each owning an equal slice of its 256 buses (4: root buses 00, 40, 80, c0 as on EPYC).</summary>
    public int RootComplexesPerSegment { get; init; } = 4;
}
