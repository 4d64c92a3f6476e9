package dev.passage.resources;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * This node's copy of every object its source delivers (the folder, or the informers): every node
 * runs its source, whether or not it holds the controller, so that the certificates it serves are
 * read by the node itself, and a controller that starts here (at start-up, or taking over from a
 * node that is gone) judges at once from a full snapshot instead of listing everything again.
 * The source hands in each batch; listeners are told the update in order, on the source's thread.
 */
public final class ResourceCache {
  /** Told each batch applied, with the snapshot after it; synced: the source has delivered everything it held. */
  public interface Listener {
    void changed(ResourceIndex.Update update, boolean synced);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private ResourceIndex index = ResourceIndex.EMPTY;
  private boolean synced;

  /** A batch from the source (on its thread). */
  public synchronized void accept(List<ResourceEvent> batch) {
    ResourceIndex.Update update = index.update(batch);
    index = update.after();
    boolean syncs = batch.stream().anyMatch(e -> e instanceof ResourceEvent.Synced);
    synced |= syncs;
    if (update.changes().isEmpty() && !syncs) return;
    for (Listener l : listeners) l.changed(update, synced);
  }

  /**
   * Adds a listener, told first everything held now (as one update adding every object), then
   * every batch. Closing the returned handle removes it.
   */
  public synchronized AutoCloseable subscribe(Listener listener) {
    List<ResourceIndex.Change> all = new ArrayList<>(index.size());
    for (Kind k : Kind.values()) for (Resource r : index.all(k)) all.add(new ResourceIndex.Change(r.key(), null, r));
    listener.changed(new ResourceIndex.Update(index, all), synced);
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The newest snapshot. */
  public synchronized ResourceIndex index() {
    return index;
  }

  /** Whether the source has delivered everything it held. */
  public synchronized boolean synced() {
    return synced;
  }
}
