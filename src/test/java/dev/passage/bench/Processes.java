package dev.passage.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks that measure a proxy as a process of its own share: starting it, reading its memory. */
final class Processes {
  private Processes() {}

  static void awaitListening(int port, Process proxy) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!proxy.isAlive()) throw new IllegalStateException("the proxy exited: " + proxy.exitValue());
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("nothing listens on " + port);
  }
  static double rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Double.parseDouble(line.replaceAll("[^0-9]", ""));
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
  static final Pattern USED = Pattern.compile("(?:generation|heap)\\s+total \\d+K, used (\\d+)K");

  static double heapAfterGc(long pid) throws Exception {
    run("jcmd", String.valueOf(pid), "GC.run");
    String info = run("jcmd", String.valueOf(pid), "GC.heap_info");
    Matcher m = USED.matcher(info);
    double used = 0;
    while (m.find()) used += Double.parseDouble(m.group(1));
    return used;
  }
  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) return true;
    }
    return false;
  }
  static List<String> jvmOptions() throws IOException {
    List<String> options = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("config/jvm.options"))) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) options.add(t);
    }
    return options;
  }
  static Process java(List<String> jvm, String classpathOrJar, String mainClass, String... args) throws IOException {
    return java(Path.of(System.getProperty("java.home"), "bin", "java").toString(), jvm, classpathOrJar, mainClass, args);
  }

  /** java: the launcher to run (another Java's, to compare). */
  static Process java(String java, List<String> jvm, String classpathOrJar, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvm);
    if (mainClass == null) {
      command.add("-jar");
      command.add(classpathOrJar);
    } else {
      command.add("-cp");
      command.add(classpathOrJar);
      command.add(mainClass);
    }
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }
  /**
   * CPU seconds a process's threads have used, the JIT's compiler threads left out: their work is a
   * warm-up that fades, not a cost of what the process is doing now.
   */
  static double cpuSecondsWithoutCompiler(long pid) throws IOException {
    double total = 0;
    try (var tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        String comm;
        String stat;
        try {
          comm = Files.readString(task.resolve("comm")).trim();
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue; // a thread that ended meanwhile
        }
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) continue;
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
      }
    }
    return total;
  }

  /** User plus system CPU seconds a process has used (from /proc; clock ticks of 100 Hz). */
  static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }
}
