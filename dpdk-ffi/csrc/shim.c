#include <rte_config.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include "shim.h"

int fm_errno(void) { return rte_errno; }

uint16_t fm_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t fm_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, queue, pkts, n);
}

struct rte_mbuf *fm_pktmbuf_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }
void fm_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void fm_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned int n) { rte_pktmbuf_free_bulk(pkts, n); }
uint8_t *fm_mbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, uint8_t *); }
uint16_t fm_mbuf_data_len(const struct rte_mbuf *m) { return m->data_len; }
uint32_t fm_mbuf_pkt_len(const struct rte_mbuf *m) { return m->pkt_len; }
uint16_t fm_mbuf_nb_segs(const struct rte_mbuf *m) { return m->nb_segs; }
uint64_t fm_mbuf_ol_flags(const struct rte_mbuf *m) { return m->ol_flags; }
char *fm_pktmbuf_append(struct rte_mbuf *m, uint16_t len) { return rte_pktmbuf_append(m, len); }
unsigned fm_lcore_id(void) { return rte_lcore_id(); }
uint64_t fm_rdtsc(void) { return rte_rdtsc(); }
uint64_t fm_tsc_hz(void) { return rte_get_tsc_hz(); }
void fm_pause(void) { rte_pause(); }
