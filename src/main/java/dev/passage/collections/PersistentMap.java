package dev.passage.collections;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import scala.Tuple2;

/**
 * An immutable hash map whose updates share structure with the map they came from: put and
 * remove cost O(log n) and leave the original as it was, so a snapshot of thousands of objects
 * is updated per change instead of copied. Scala's CHAMP HashMap (scala-library comes with Pekko)
 * behind a small Java face. Iteration order is the hash order: sort where order matters.
 */
public final class PersistentMap<K, V> implements Iterable<Map.Entry<K, V>> {
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final PersistentMap EMPTY = new PersistentMap(scala.collection.immutable.HashMap$.MODULE$.empty());

  private final scala.collection.immutable.HashMap<K, V> map;

  private PersistentMap(scala.collection.immutable.HashMap<K, V> map) {
    this.map = map;
  }

  @SuppressWarnings("unchecked")
  public static <K, V> PersistentMap<K, V> empty() {
    return EMPTY;
  }

  public static <K, V> PersistentMap<K, V> of(Map<K, V> entries) {
    PersistentMap<K, V> m = empty();
    for (Map.Entry<K, V> e : entries.entrySet()) m = m.put(e.getKey(), e.getValue());
    return m;
  }

  /** The value for key, or null. */
  public V get(K key) {
    return map.getOrElse(key, () -> null);
  }

  public V getOrDefault(K key, V otherwise) {
    V v = get(key);
    return v == null ? otherwise : v;
  }

  public boolean containsKey(K key) {
    return map.contains(key);
  }

  /** A map with key mapped to value (this map itself when it already was). value must not be null. */
  public PersistentMap<K, V> put(K key, V value) {
    scala.collection.immutable.HashMap<K, V> next = map.updated(key, value);
    return next == map ? this : new PersistentMap<>(next);
  }

  /** A map without key (this map itself when it had none). */
  public PersistentMap<K, V> remove(K key) {
    scala.collection.immutable.HashMap<K, V> next = map.removed(key);
    return next == map ? this : new PersistentMap<>(next);
  }

  /** put, or remove when value is null. */
  public PersistentMap<K, V> with(K key, V value) {
    return value == null ? remove(key) : put(key, value);
  }

  public int size() {
    return map.size();
  }

  public boolean isEmpty() {
    return map.isEmpty();
  }

  public void forEach(BiConsumer<? super K, ? super V> action) {
    scala.collection.Iterator<Tuple2<K, V>> it = map.iterator();
    while (it.hasNext()) {
      Tuple2<K, V> t = it.next();
      action.accept(t._1(), t._2());
    }
  }

  public List<V> values() {
    List<V> out = new ArrayList<>(size());
    scala.collection.Iterator<V> it = map.valuesIterator();
    while (it.hasNext()) out.add(it.next());
    return out;
  }

  public List<K> keys() {
    List<K> out = new ArrayList<>(size());
    scala.collection.Iterator<K> it = map.keysIterator();
    while (it.hasNext()) out.add(it.next());
    return out;
  }

  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    scala.collection.Iterator<Tuple2<K, V>> it = map.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Map.Entry<K, V> next() {
        Tuple2<K, V> t = it.next();
        return Map.entry(t._1(), t._2());
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PersistentMap<?, ?> other && map.equals(other.map);
  }

  @Override
  public int hashCode() {
    return map.hashCode();
  }

  @Override
  public String toString() {
    return map.toString();
  }
}
