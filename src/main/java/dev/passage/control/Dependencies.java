package dev.passage.control;

import dev.passage.resources.Input;
import dev.passage.resources.ObjectKey;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What every route and Gateway read when it was last judged, both ways: input -> the dependants
 * that read it, dependant -> its inputs. Owned by the controller (one thread); a judgement's reads
 * replace that dependant's edges. The controller asks it which dependants a batch's changed
 * inputs concern: the work per change is proportional to them, never to the number of objects.
 */
final class Dependencies {
  private final Map<Input, Set<ObjectKey>> dependants = new HashMap<>();
  private final Map<ObjectKey, Set<Input>> inputs = new HashMap<>();

  /** The inputs a dependant read in its latest judgement (replacing those of the one before). */
  void record(ObjectKey dependant, Set<Input> reads) {
    Set<Input> before = inputs.getOrDefault(dependant, Set.of());
    for (Input i : before) {
      if (reads.contains(i)) continue;
      Set<ObjectKey> d = dependants.get(i);
      if (d != null && d.remove(dependant) && d.isEmpty()) dependants.remove(i);
    }
    for (Input i : reads) {
      if (!before.contains(i)) dependants.computeIfAbsent(i, k -> new HashSet<>()).add(dependant);
    }
    inputs.put(dependant, Set.copyOf(reads));
  }

  /** A dependant that is gone. */
  void forget(ObjectKey dependant) {
    record(dependant, Set.of());
    inputs.remove(dependant);
  }

  /** Every dependant that read one of these inputs. */
  Set<ObjectKey> dependantsOf(Collection<Input> changed) {
    Set<ObjectKey> out = new LinkedHashSet<>();
    for (Input i : changed) {
      Set<ObjectKey> d = dependants.get(i);
      if (d != null) out.addAll(d);
    }
    return out;
  }

  /** The inputs a dependant read (empty when it has not been judged). */
  Set<Input> inputsOf(ObjectKey dependant) {
    return inputs.getOrDefault(dependant, Set.of());
  }

  /** How many edges the index holds (for tests and the memory figures). */
  int edges() {
    int n = 0;
    for (Set<Input> s : inputs.values()) n += s.size();
    return n;
  }
}
