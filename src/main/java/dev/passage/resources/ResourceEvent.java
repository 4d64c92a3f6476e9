package dev.passage.resources;

/** What a source tells the controller: an object appeared or changed, or went away. */
public sealed interface ResourceEvent {
  ObjectKey key();

  record Upserted(Resource resource) implements ResourceEvent {
    @Override
    public ObjectKey key() {
      return resource.key();
    }
  }

  record Deleted(ObjectKey key) implements ResourceEvent {}

  /** Sent once the source has emitted everything it held at start: the first table may be built. */
  record Synced() implements ResourceEvent {
    @Override
    public ObjectKey key() {
      return null;
    }
  }
}
