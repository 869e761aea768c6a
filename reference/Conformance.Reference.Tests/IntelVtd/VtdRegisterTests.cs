using Conformance.Reference.IntelVtd;
using Conformance.Reference.Text;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

public class VtdRegisterTests
{
    [Fact]
    public void CAP_and_ECAP_report_what_the_configuration_and_the_model_support()
    {
        var t = new VtdTables(new VtdUnitConfig { Id = "d", MmioBase = VtdTables.MmioBase, AddressWidth = 57, Sagaw = 0b1110, FaultRecordingOffset = 0x400, FaultRecordingCount = 8, IotlbRegisterOffset = 0x500 });
        var cap = new CapabilityRegister(t.Reg(Capability, 8));
        var ecap = new ExtendedCapabilityRegister(t.Reg(ExtendedCapability, 8));
        Assert.Equal(6, cap.NumberOfDomains);
        Assert.Equal(0b1110, cap.Sagaw);
        Assert.Equal(57, cap.Mgaw);
        Assert.Equal(0x400, cap.FaultRecordingOffset);
        Assert.Equal(8, cap.FaultRecordingCount);
        Assert.True(cap.Supports2MiB && cap.Supports1GiB && cap.PageSelectiveInvalidation && cap.PostedInterrupts);
        Assert.False(cap.CachingMode || cap.RequiredWriteBufferFlushing || cap.AdvancedFaultLogging);
        Assert.Equal(18, cap.MaximumAddressMaskValue);
        Assert.True(ecap.QueuedInvalidation && ecap.InterruptRemapping && ecap.ExtendedInterruptMode && ecap.PassThrough);
        Assert.False(ecap.ScalableModeTranslation || ecap.Pasid || ecap.DeviceTlb || ecap.SnoopControl);
        Assert.Equal(0x500, ecap.IotlbRegisterOffset);
        Assert.Equal(0xF, ecap.MaximumHandleMaskValue);
        Assert.Equal(0x10UL, t.Reg(VtdRegisterOffsets.Version));
    }

    [Fact]
    public void Each_global_command_is_reflected_in_GSTS_and_GCMD_reads_zero()
    {
        var t = new VtdTables();
        t.SetReg(RootTableAddress, 0x20_0000, 8);
        t.SetReg(GlobalCommand, (uint)GlobalCommandBits.SetRootTablePointer);
        Assert.Equal((ulong)GlobalCommandBits.SetRootTablePointer, t.Reg(GlobalStatus));
        Assert.Equal(0UL, t.Reg(GlobalCommand));
        t.Command(GlobalCommandBits.TranslationEnable);
        t.Command(GlobalCommandBits.QueuedInvalidationEnable);
        t.Command(GlobalCommandBits.InterruptRemappingEnable);
        t.Command(GlobalCommandBits.CompatibilityFormatInterrupt);
        var all = GlobalCommandBits.SetRootTablePointer | GlobalCommandBits.TranslationEnable | GlobalCommandBits.QueuedInvalidationEnable
            | GlobalCommandBits.InterruptRemappingEnable | GlobalCommandBits.CompatibilityFormatInterrupt;
        Assert.Equal(all, t.Unit.Status);
        // A write that drops TE while keeping the others turns only translation off.
        t.SetReg(GlobalCommand, (uint)(all & ~GlobalCommandBits.TranslationEnable & ~GlobalCommandBits.SetRootTablePointer));
        Assert.Equal(all & ~GlobalCommandBits.TranslationEnable, t.Unit.Status);
    }

    [Fact]
    public void Read_only_and_reserved_bits_ignore_software_writes()
    {
        var t = new VtdTables();
        t.SetReg(Capability, 0, 8);
        Assert.NotEqual(0UL, t.Reg(Capability, 8));
        t.SetReg(RootTableAddress, ulong.MaxValue, 8);
        Assert.Equal(0x0000_FFFF_FFFF_F000UL, t.Reg(RootTableAddress, 8));   // HAW 48, TTM stays 0 without SMTS
        t.SetReg(FaultStatus, 0xFFFF_FFFF);
        Assert.Equal(0UL, t.Reg(FaultStatus));
        Assert.Equal(0x8000_0000UL, t.Reg(FaultEventControl));               // IM at reset
        t.SetReg(RootTableAddress + 4, 0x1, 4);                             // 32-bit halves work too
        Assert.Equal(0x1_FFFF_F000UL, t.Reg(RootTableAddress, 8));
    }

    [Fact]
    public void A_unit_entry_is_read_with_defaults_and_bad_fields_are_rejected_with_their_position()
    {
        var c = VtdUnitConfig.Read(JsonValue.Parse("""{ "id": "dmar0", "mmio": "0xfed90000", "aw": 39, "scope": ["0000:00:02.0"] }""", "u.json"));
        Assert.Equal(39, c.AddressWidth);
        Assert.Equal(39, c.HostAddressWidth);
        Assert.Equal(0b0010, c.Sagaw);
        Assert.Equal(0x220, c.FaultRecordingOffset);
        Assert.Equal(4, c.FaultRecordingCount);
        Assert.Equal(0xf0, c.IotlbRegisterOffset);
        Assert.True(c.InterruptRemapping);
        Assert.Equal("0000:00:02.0", Assert.Single(c.Scope).ToString());

        var e = Assert.Throws<InputException>(() => VtdUnitConfig.Read(JsonValue.Parse("{ \"id\": \"d\", \"mmio\": 0,\n  \"scalable\": true }", "u.json")));
        Assert.Equal((2, 15), (e.Line, e.Column));
        Assert.Contains("scalable", e.Detail);
        e = Assert.Throws<InputException>(() => VtdUnitConfig.Read(JsonValue.Parse("""{ "id": "d", "mmio": 0, "aw": 40 }""", "u.json")));
        Assert.Contains("aw", e.Detail);
        e = Assert.Throws<InputException>(() => VtdUnitConfig.Read(JsonValue.Parse("""{ "id": "d", "mmio": 0, "aw": 39, "sagaw": 4 }""", "u.json")));
        Assert.Contains("sagaw", e.Detail);
        e = Assert.Throws<InputException>(() => VtdUnitConfig.Read(JsonValue.Parse("""{ "id": "d", "mmio": 0, "levels": 4 }""", "u.json")));
        Assert.Contains("levels", e.Detail);
        e = Assert.Throws<InputException>(() => VtdUnitConfig.ReadAll(JsonValue.Parse("[{ \"id\": \"a\", \"mmio\": 0 },\n { \"id\": \"b\", \"mmio\": 4096 }]", "u.json")));
        Assert.Equal(2, e.Line);
        Assert.Contains("INCLUDE_PCI_ALL", e.Detail);
    }
}
