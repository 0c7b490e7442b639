from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0007_order_status_label'),
    ]

    operations = [
        migrations.AlterField(
            model_name='paymentnotice',
            name='outcome',
            field=models.CharField(choices=[('applied', 'Applied'), ('duplicate', 'Already applied'), ('refused', 'Refused'), ('for_finance', 'For finance to settle'), ('paid_twice', 'Paid twice: refund due')], max_length=12),
        ),
        migrations.AddConstraint(
            model_name='paymentnotice',
            constraint=models.UniqueConstraint(condition=models.Q(('outcome', 'paid_twice')), fields=('provider', 'transaction_id'), name='one_paid_twice_flag_per_transaction'),
        ),
    ]
