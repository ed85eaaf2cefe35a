"""The buyer's three ways to act (seed: 联系商家, 拼多多的官方客服, 留言反馈): a message to the
merchant (`messages`, a `chat_message` in the order's timeline), a complaint to the platform's
customer service (`tickets`) and feedback on the product page (`feedback`)."""
