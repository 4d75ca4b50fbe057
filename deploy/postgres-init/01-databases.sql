-- One database per service (architecture.md, Data rules); run once by the postgres image on an empty volume.
CREATE DATABASE contributions;
CREATE DATABASE claims;
CREATE DATABASE layoff_reporting;
CREATE DATABASE fund_monitor;
