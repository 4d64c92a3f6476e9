package dev.passage.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;

/**
 * Parses the text of one YAML file (several documents allowed) into internal views with
 * fabric8's serialization. Each document stands alone: one that does not parse is reported with
 * the file's name and its line, and the others still load.
 */
public final class YamlDocuments {
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  public record Result(List<Resource> resources, List<String> errors, List<String> ignored) {}

  public Result parse(String fileName, String text) {
    List<Resource> resources = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (Document doc : split(text)) {
      if (doc.text.isBlank() || onlyComments(doc.text)) continue;
      try {
        Object parsed = serialization.unmarshal(doc.text);
        List<Object> objects = new ArrayList<>();
        if (parsed instanceof KubernetesList list) objects.addAll(list.getItems());
        else objects.add(parsed);
        for (Object o : objects) {
          if (!(o instanceof HasMetadata h)) {
            errors.add(fileName + ":" + doc.firstLine + ": not a Kubernetes object");
            continue;
          }
          Optional<Resource> view = ModelAdapter.toView(h, "default");
          if (view.isPresent()) {
            resources.add(view.get());
          } else {
            String misspelt = misspelt(h);
            if (misspelt != null) errors.add(fileName + ":" + doc.firstLine + ": " + misspelt);
            else ignored.add(fileName + ":" + doc.firstLine + ": " + h.getKind() + " " + h.getMetadata().getName());
          }
        }
      } catch (RuntimeException e) {
        errors.add(fileName + ":" + (doc.firstLine + lineWithin(e)) + ": " + message(e));
      }
    }
    return new Result(resources, errors, ignored);
  }

  /**
   * Why an object Passage does not read is probably a mistake (a kind in the Gateway API's group
   * that Passage does not know, or a known kind in the wrong case), or null for a kind that is
   * simply not Passage's business.
   */
  private static String misspelt(HasMetadata h) {
    String kind = h.getKind() == null ? "" : h.getKind();
    for (Kind k : Kind.values()) {
      if (k.kindName().equalsIgnoreCase(kind) && !k.kindName().equals(kind)) {
        return "unknown kind " + kind + " (kinds are case-sensitive: did you mean " + k.kindName() + "?)";
      }
    }
    String apiVersion = h.getApiVersion() == null ? "" : h.getApiVersion();
    if (apiVersion.startsWith("gateway.networking.k8s.io/")) {
      return "kind " + kind + " of " + apiVersion + " is not one Passage reads (GatewayClass, Gateway, ListenerSet, TLSRoute,"
          + " HTTPRoute, TCPRoute, UDPRoute, ReferenceGrant, BackendTLSPolicy)";
    }
    if (apiVersion.startsWith("passage.dev/")) {
      return "kind " + kind + " of " + apiVersion + " is not one Passage reads (TrafficPolicy of passage.dev/v1alpha1)";
    }
    return null;
  }

  private record Document(int firstLine, String text) {}

  /** Splits on "---" lines, remembering the line (1-based) where each document starts. */
  private static List<Document> split(String text) {
    List<Document> docs = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int start = 1;
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.equals("---") || line.startsWith("--- ") || line.equals("...")) {
        docs.add(new Document(start, current.toString()));
        current.setLength(0);
        start = i + 2;
      } else {
        current.append(line).append('\n');
      }
    }
    docs.add(new Document(start, current.toString()));
    return docs;
  }

  private static boolean onlyComments(String text) {
    return text.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
  }

  /** The 0-based line inside the document where the parser stopped, when it says so. */
  private static int lineWithin(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYamlEngineException m && m.getProblemMark().isPresent()) {
        return m.getProblemMark().get().getLine();
      }
      if (t instanceof JacksonException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
        return j.getLocation().getLineNr() - 1;
      }
    }
    return 0;
  }

  private static String message(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MarkedYamlEngineException m) {
        // the parser's context and its problem, e.g. "while parsing a block mapping: expected <block end>, but found '-'"
        String context = m.getContext() == null ? "" : m.getContext().trim() + ": ";
        String problem = m.getProblem() == null ? "" : m.getProblem().trim();
        if (!problem.isEmpty()) return context + problem;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof tools.jackson.databind.exc.UnrecognizedPropertyException u) {
        // "unknown field conections in spec (known: connections, drain, ...)": a typo named, with what it could be
        String where = u.getPath().stream().map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
            .filter(n -> !n.equals(u.getPropertyName())).reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("the object");
        java.util.List<String> known = u.getKnownPropertyIds() == null ? java.util.List.of()
            : u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
        return "unknown field " + u.getPropertyName() + " in " + where + (known.isEmpty() ? "" : " (known: " + String.join(", ", known) + ")");
      }
    }
    String m = root instanceof JacksonException j ? j.getOriginalMessage() : root.getMessage();
    if (m == null) m = root.getClass().getSimpleName();
    return m.lines().findFirst().orElse(m).trim();
  }
}
