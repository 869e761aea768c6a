namespace Conformance.Reference.Pci;

/// <summary>
/// PCI-X 2.0 capability (ID 0x07): §7.2 for a device (command at +2, status at +4: 8 bytes), §8.6 for a bridge
/// (secondary status at +2, bridge status at +4, split transaction control at +8/+0xC: 16 bytes). The status
/// register captures the function's bus, device and function numbers.
/// </summary>
public static class PciXCapability
{
    public static int Size(bool bridge) => bridge ? 16 : 8;

    internal static void Build(ConfigSpace c, int at, Bdf bdf, bool bridge)
    {
        c.Set8(at, (byte)PciCapabilityId.PciX);
        c.Set32(at + 4, (uint)(bdf.Function | (bdf.Device << 3) | (bdf.Bus << 8)));
        if (!bridge) c.SetWritable(at + 2, 2, 0x007F);
    }
}
