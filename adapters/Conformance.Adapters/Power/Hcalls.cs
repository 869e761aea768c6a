using Conformance.Reference.Power;

namespace Conformance.Adapters.Power;

/// <summary>PAPR hypercall opcodes (Linux asm/hvcall.h; facts hardware-models §3.1).</summary>
public enum HcallOpcode : ulong
{
    GetTce = 0x1C,
    PutTce = 0x20,
    StuffTce = 0x138,
    PutTceIndirect = 0x13C,
}

/// <summary>PAPR hypercall return codes (Linux asm/hvcall.h).</summary>
public enum HcallRc : long
{
    Success = 0,
    Hardware = -1,
    Function = -2,
    Privilege = -3,
    Parameter = -4,
    /// <summary>KVM's internal "punt to the next level" (asm/hvcall.h H_TOO_HARD 9999): kvmppc_tce_validate's answer when the
    /// guest page is not registered host-contiguous memory for the whole IO page.</summary>
    TooHard = 9999,
}

/// <summary>RTAS status codes (PAPR §7.2.8; QEMU spapr.h RTAS_OUT_*).</summary>
public enum RtasStatus
{
    Success = 0,
    HardwareError = -1,
    Busy = -2,
    ParameterError = -3,
}

/// <summary>The firmware a POWER host kernel calls: OPAL's PCI calls (<c>platform is IOpalAccess</c>).</summary>
public interface IOpalAccess
{
    /// <summary>The OPAL PCI firmware interface, or null on a machine without OPAL.</summary>
    OpalPci? Opal { get; }
}
