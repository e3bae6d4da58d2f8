DROP TABLE billing.invoices;
