-- The production profile's four databases (docker-compose runs this once, on first start).
CREATE DATABASE shopdesk_store;
CREATE DATABASE shopdesk_handoff;
CREATE DATABASE shopdesk_rasa;
CREATE DATABASE shopdesk_events;
