using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Power;

/// <summary>
/// EEH calls address the neighbouring PE (the group's number minus one, as if PE numbers were counted from 1):
/// recovery thaws and resets a sibling, and the guest's own frozen PE stays frozen.
/// </summary>
[BreaksRequirement("PWR-003")]
[BreaksRequirement("ERR-001")]
[StaticallyInvisible("The PE number handed to OPAL is an integer computed at run time; that it names a sibling rather " +
    "than the held PE is a fact of the platform's PE assignment (data), which no rule can see in the call.")]
public sealed class SpaprFreezeLeaksToSibling : SpaprVariantFactory
{
    protected override SpaprGuest NewGuest(SpaprAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(SpaprAdapter host, GuestConfig config) : SpaprGuest(host, config)
    {
        protected override ulong PeNumber(int groupId) => (ulong)(groupId - 1);
    }
}
