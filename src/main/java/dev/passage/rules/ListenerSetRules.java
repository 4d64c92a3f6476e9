package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.ListenerSetView;
import java.util.ArrayList;
import java.util.List;

/**
 * A ListenerSet's conditions (GEP-1713), from its parent Gateway and its listeners as
 * {@link ListenerRules#merged} judged them:
 * <ul>
 *   <li>not admitted by the Gateway's allowedListeners: Accepted and Programmed False, NotAllowed;
 *   <li>the Gateway not Accepted: Accepted False ParentNotAccepted, Programmed False ParentNotProgrammed;
 *   <li>no valid listener (accepted with every reference resolved): both False, ListenersNotValid;
 *   <li>else Accepted True (reason ListenersNotValid when some listener is not valid), and
 *       Programmed True when a listener is, else False Invalid.
 * </ul>
 * Conditions carry the ListenerSet's generation.
 */
public final class ListenerSetRules {
  private ListenerSetRules() {}

  static ListenerSetJudgement judge(GatewayView gateway, ListenerRules.SetListeners s, boolean gatewayAccepted) {
    ListenerSetView set = s.set();
    long gen = set.meta().generation();
    List<Condition> cs = new ArrayList<>();
    if (!s.admitted()) {
      String why = "Gateway " + gateway.meta().ref() + " does not allow ListenerSets from namespace " + set.meta().namespace()
          + " (spec.allowedListeners.namespaces.from: " + gateway.allowedListeners().from() + ")";
      cs.add(Condition.isFalse("Accepted", "NotAllowed", why, gen));
      cs.add(Condition.isFalse("Programmed", "NotAllowed", why, gen));
      return new ListenerSetJudgement(set.key(), List.of(), cs);
    }
    List<ListenerResult> listeners = s.listeners();
    long valid = listeners.stream().filter(ListenerResult::valid).count();
    if (!gatewayAccepted) {
      String why = "Gateway " + gateway.meta().ref() + " is not accepted";
      cs.add(Condition.isFalse("Accepted", "ParentNotAccepted", why, gen));
      cs.add(Condition.isFalse("Programmed", "ParentNotProgrammed", why, gen));
    } else if (valid == 0) {
      String why = "no listener is valid";
      cs.add(Condition.isFalse("Accepted", "ListenersNotValid", why, gen));
      cs.add(Condition.isFalse("Programmed", "ListenersNotValid", why, gen));
    } else {
      cs.add(valid == listeners.size() ? Condition.isTrue("Accepted", "Accepted", "", gen)
          : Condition.isTrue("Accepted", "ListenersNotValid", "some listeners are not valid", gen));
      cs.add(listeners.stream().anyMatch(ListenerResult::programmed) ? Condition.isTrue("Programmed", "Programmed", "", gen)
          : Condition.isFalse("Programmed", "Invalid", "no listener could be programmed", gen));
    }
    return new ListenerSetJudgement(set.key(), listeners, cs);
  }
}
