/*
 * The cost of one SSL call, without a network: a client and a server SSL object joined by an
 * in-memory BIO pair, one thread. Each iteration the client SSL_write()s a small HTTP/1 request
 * and the server SSL_read()s it. Prints one JSON line: {"iterations": N, "nsPerIteration": X}.
 * Run with and without sonde's uprobes attached: the difference over 2 is the cost per call.
 *
 * usage: ssl-loop CERT KEY ITERATIONS
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
	fprintf(stderr, "ssl-loop: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static const char request[] = "GET /loop HTTP/1.1\r\nHost: bench\r\n\r\n";
	char buf[256];
	SSL_CTX *sctx, *cctx;
	SSL *server, *client;
	BIO *sbio, *cbio;
	long iterations;
	double start, elapsed;

	if (argc != 4)
		die("usage: ssl-loop CERT KEY ITERATIONS");
	iterations = atol(argv[3]);
	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	if (!sctx || !cctx)
		die("SSL_CTX_new");
	if (SSL_CTX_use_certificate_file(sctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1)
		die("loading the certificate");
	server = SSL_new(sctx);
	client = SSL_new(cctx);
	if (!BIO_new_bio_pair(&sbio, 0, &cbio, 0))
		die("BIO_new_bio_pair");
	SSL_set_bio(server, sbio, sbio);
	SSL_set_bio(client, cbio, cbio);
	SSL_set_accept_state(server);
	SSL_set_connect_state(client);
	/* Handshake: step both sides until neither wants more. */
	for (int i = 0; i < 100; i++) {
		int c = SSL_do_handshake(client), s = SSL_do_handshake(server);

		if (c == 1 && s == 1)
			break;
		if (i == 99)
			die("handshake did not finish");
	}
	start = now_ns();
	for (long i = 0; i < iterations; i++) {
		if (SSL_write(client, request, sizeof(request) - 1) != (int)(sizeof(request) - 1))
			die("SSL_write");
		if (SSL_read(server, buf, sizeof(buf)) != (int)(sizeof(request) - 1))
			die("SSL_read");
	}
	elapsed = now_ns() - start;
	printf("{\"iterations\": %ld, \"nsPerIteration\": %.1f}\n", iterations, elapsed / iterations);
	SSL_free(client);
	SSL_free(server);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return 0;
}
