import type { Scenario } from "../scenario.ts";

/**
 * RabbitMQ restarted under an AMQP destination (the suite's own broker, stopped in order and started
 * again on its database): confirmed persistent messages survive in the durable queue; what could not
 * be published meanwhile must be retried.
 */
export const rabbitMqRestarted: Scenario = {
  name: "rabbitmq-restarted",
  title: "RabbitMQ restarted (AMQP destination)",
  destination: "amqp",
  inject: async ({ stack, untilAnswered, note }) => {
    const broker = await stack.rabbitMq();
    await untilAnswered(150);
    await broker.stopServer();
    note("RabbitMQ stopped");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await broker.startServer();
    note("RabbitMQ started");
  },
};
