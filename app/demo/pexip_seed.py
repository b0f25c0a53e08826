"""The seed's own example Pexip conference and participants, with the seed's values
(``include_seed_examples``): tests compare what a sync stores against them."""

from __future__ import annotations

from app.demo.pexip_data import API


def seed_examples() -> list[tuple[dict, list[dict]]]:
    """The seed's own example conference and participants, with the seed's values."""
    conference = {
        "duration": 579, "end_time": "2015-04-10T09:49:26.556929",
        "id": "8583f400-7886-48c9-874b-5fefc2ac097e", "instant_message_count": 0,
        "name": "meet.alice", "participant_count": 3,
        "participants": [f"{API}participant/e9883f1d-88ca-495d-8366-b6eb772dfe57/",
                         f"{API}participant/5881adda-00ef-4315-8886-5d873d2ef269/",
                         f"{API}participant/29744376-0436-4fe1-ab80-06d93c71eb1c/"],
        "resource_uri": f"{API}conference/8583f400-7886-48c9-874b-5fefc2ac097e/",
        "service_type": "conference", "start_time": "2015-04-10T09:39:47", "tag": "",
    }
    vmr = "00000000-0000-0000-0000-000000000001"
    common = {
        "call_direction": "in", "conference": f"{API}conference/{vmr}/",
        "conference_name": "VMR_1", "disconnect_reason": "Call disconnected",
        "encryption": "On", "is_streaming": False, "local_alias": "meet@example.com",
        "media_node": "10.0.0.1", "protocol": "WebRTC", "proxy_node": "None",
        "remote_address": "10.0.0.2", "role": "chair", "service_tag": "",
        "service_type": "conference", "signalling_node": "10.0.0.1",
        "system_location": "London",
        "vendor": "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/41.0.2272.101 Safari/537.36",
    }
    bob = {**common, "bandwidth": 768, "call_quality": "1_good",
           "call_uuid": "b0a5b554-d1de-11e3-a321-000c29e37602",
           "conversation_id": "b0a5b554-d1de-11e3-a321-000c29e37602", "display_name": "Bob",
           "duration": 519, "end_time": "2015-04-02T09:55:33.141261", "has_media": True,
           "id": "00000000-0000-0000-0000-000000000003", "license_count": 1,
           "license_type": "port", "media_streams": _seed_streams(),
           "parent_id": "29744376-0436-4fe1-ab80-06d93c71eb1c",
           "remote_alias": "Infinity_Connect_Media_10.0.0.2", "remote_port": 11007,
           "resource_uri": f"{API}participant/00000000-0000-0000-0000-000000000003/",
           "start_time": "2015-04-02T09:46:53.712941"}
    alice = {**common, "bandwidth": 0, "call_quality": "0_unknown",
             "call_uuid": "1c26be9c-6511-4e5c-9588-8351f8c3decd",
             "conversation_id": "1c26be9c-6511-4e5c-9588-8351f8c3decd",
             "display_name": "Alice", "duration": 578,
             "end_time": "2015-04-02T09:55:49.348317", "has_media": False,
             "id": "00000000-0000-0000-0000-000000000002", "license_count": 0,
             "license_type": "nolicense", "media_streams": [], "parent_id": "",
             "remote_alias": "Infinity_Connect_10.0.0.2", "remote_port": 54686,
             "resource_uri": f"{API}participant/00000000-0000-0000-0000-000000000002/",
             "start_time": "2015-04-02T09:46:11.116767"}
    # The seed shows only these two participants of VMR_1; its conference row is implied.
    vmr_conf = {"duration": 578, "end_time": "2015-04-02T09:55:49.348317", "id": vmr,
                "instant_message_count": 0, "name": "VMR_1", "participant_count": 2,
                "participants": [alice["resource_uri"], bob["resource_uri"]],
                "resource_uri": f"{API}conference/{vmr}/", "service_type": "conference",
                "start_time": "2015-04-02T09:46:11.116767", "tag": ""}
    return [(conference, []), (vmr_conf, [alice, bob])]


def _seed_streams() -> list[dict]:
    uri = f"{API}participant/5881adda-00ef-4315-8886-5d873d2ef269/"
    return [
        {"end_time": "2015-07-22T12:43:33.645043", "id": 36, "node": "10.0.0.1",
         "participant": uri, "rx_bitrate": 29, "rx_codec": "opus", "rx_packet_loss": 0.0,
         "rx_packets_lost": 0, "rx_packets_received": 28091, "rx_resolution": "",
         "start_time": "2015-07-22T12:33:31.909536", "stream_id": "0", "stream_type": "audio",
         "tx_bitrate": 2, "tx_codec": "opus", "tx_packet_loss": 0.0, "tx_packets_lost": 0,
         "tx_packets_sent": 56347, "tx_resolution": ""},
        {"end_time": "2015-07-22T12:43:33.683385", "id": 37, "node": "10.0.0.1",
         "participant": uri, "rx_bitrate": 511, "rx_codec": "VP8", "rx_packet_loss": 0.01,
         "rx_packets_lost": 2, "rx_packets_received": 37027, "rx_resolution": "1280x720",
         "start_time": "2015-07-22T12:33:32.151438", "stream_id": "1", "stream_type": "video",
         "tx_bitrate": 511, "tx_codec": "VP8", "tx_packet_loss": 0.0, "tx_packets_lost": 0,
         "tx_packets_sent": 37335, "tx_resolution": "768x448"},
    ]
