DROP TABLE "tâches";
DROP TYPE state;
