/** Shown instead of the app on plain HTTP off localhost: browsers withhold WebCrypto there. */
export function Insecure() {
  const https = `https://${location.host}${location.pathname}`;
  return (
    <main class="centered">
      <section class="card login" aria-labelledby="insecure-title">
        <h1 id="insecure-title">Parley needs a secure connection</h1>
        <p>
          This page was loaded over plain HTTP from {location.hostname}. Browsers only allow the encryption Parley does
          in your browser on HTTPS (or on this computer itself, as localhost), so nothing can be done here safely.
        </p>
        <p>
          Try <a href={https}>{https}</a>. If that does not work, the server's administrator needs to run it with a
          certificate: <code>parley serve --tls-cert cert.pem --tls-key key.pem</code>, or{" "}
          <code>--tls self-signed</code> for a test.
        </p>
      </section>
    </main>
  );
}
