package dev.passage.rules;

import dev.passage.resources.ReferenceGrantView;
import dev.passage.resources.ResourceIndex;

/** Whether a ReferenceGrant in the target's namespace lets a referrer reach it. */
public final class ReferenceGrants {
  private ReferenceGrants() {}

  /**
   * True when one grant in targetNamespace matches every field exactly: the referrer's group, kind
   * and namespace, and the target's group, kind and (when the grant names one) name.
   */
  public static boolean permits(ResourceIndex index, String fromGroup, String fromKind, String fromNamespace,
                                String toGroup, String toKind, String targetNamespace, String targetName) {
    for (ReferenceGrantView grant : index.grantsFor(targetNamespace, toGroup, toKind)) {
      boolean fromOk = grant.from().stream().anyMatch(f ->
          f.group().equals(fromGroup) && fromKind.equals(f.kind()) && fromNamespace.equals(f.namespace()));
      if (!fromOk) continue;
      boolean toOk = grant.to().stream().anyMatch(t ->
          t.group().equals(toGroup) && toKind.equals(t.kind()) && (t.name() == null || t.name().equals(targetName)));
      if (toOk) return true;
    }
    return false;
  }
}
