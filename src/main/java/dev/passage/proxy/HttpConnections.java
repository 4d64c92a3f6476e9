package dev.passage.proxy;

import dev.passage.proxy.tls.TlsProvider;
import dev.passage.table.BindAddress;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * What a client connection hands an HTTP or HTTPS connection to once it knows it is one: the HTTP
 * side (proxy/http's HttpService) implements it, so that the connection and the HTTP server do
 * not know each other's classes.
 */
public interface HttpConnections {
  /** A plain HTTP connection, served with the routes of the address's HTTP listeners. */
  Flow<ByteString, ByteString, NotUsed> plain(BindAddress bind, InetSocketAddress client);

  /** An HTTPS connection: TLS terminated with this engine (on the provider's thread), then HTTP for the SNI's listener. */
  Flow<ByteString, ByteString, NotUsed> https(BindAddress bind, InetSocketAddress client, String sni, SSLEngine engine,
                                              TlsProvider provider);
}
